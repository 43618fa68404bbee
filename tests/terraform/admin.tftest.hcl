# The operator's function: the same package with the operator's actions switched on, reachable only
# with admin_permissions. The state machine's lambda_permissions must not reach it (the function the
# state machines invoke refuses those actions as well: AdminContractTests).

mock_provider "aws" {
  source = "./tests/terraform/mocks"
}

variables {
  name_prefix = "orders"
}

# The mocks give every function one ARN; the admin function gets its own, as AWS would.
override_resource {
  target = aws_lambda_function.admin
  values = { arn = "arn:aws:lambda:eu-central-1:123456789012:function:orders-lease-manager-admin" }
}

run "an_admin_function_runs_the_same_package_with_the_operators_actions_on" {
  command = apply

  assert {
    condition = (
      aws_lambda_function.admin[0].function_name == "orders-lease-manager-admin"
      && aws_lambda_function.admin[0].environment[0].variables.LEASE_ADMIN_ACTIONS == "enabled"
      && aws_lambda_function.this[0].environment[0].variables.LEASE_ADMIN_ACTIONS == "disabled"
      && aws_lambda_function.admin[0].role == aws_lambda_function.this[0].role
      && aws_lambda_function.admin[0].source_code_hash == aws_lambda_function.this[0].source_code_hash
      && aws_lambda_function.admin[0].handler == aws_lambda_function.this[0].handler
    )
    error_message = "one package, one role, the operator's actions on the admin function only"
  }

  assert {
    condition     = { for k, v in aws_lambda_function.admin[0].environment[0].variables : k => v if k != "LEASE_ADMIN_ACTIONS" } == { for k, v in aws_lambda_function.this[0].environment[0].variables : k => v if k != "LEASE_ADMIN_ACTIONS" }
    error_message = "both functions serve the same pool"
  }

  assert {
    condition     = aws_lambda_function.admin[0].timeout >= 30 && aws_lambda_function.admin[0].logging_config[0].log_group == "/aws/lambda/orders-lease-manager-admin"
    error_message = "set_limit's wait fits in the timeout; the admin function logs to its own group"
  }

  assert {
    condition     = contains(jsondecode(aws_iam_role_policy.lambda[0].policy).Statement[0].Resource, "${aws_cloudwatch_log_group.admin[0].arn}:*")
    error_message = "the shared role may write the admin function's logs"
  }

  assert {
    condition = jsondecode(output.admin_permissions) == {
      Version   = "2012-10-17"
      Statement = [{ Sid = "InvokeLeaseManagerAdmin", Effect = "Allow", Action = ["lambda:InvokeFunction"], Resource = ["arn:aws:lambda:eu-central-1:123456789012:function:orders-lease-manager-admin"] }]
    }
    error_message = "admin_permissions invokes the admin function and nothing else"
  }

  assert {
    # IAM matches a Resource as a glob: '*' is any run of characters. No resource of the state
    # machine's policy may match the admin function's ARN.
    condition = !anytrue([
      for r in jsondecode(output.lambda_permissions).Statement[0].Resource :
      can(regex("^${replace(replace(r, ".", "\\."), "*", ".*")}$", aws_lambda_function.admin[0].arn))
    ])
    error_message = "the state machine's lambda_permissions must not reach the admin function"
  }

  assert {
    condition     = output.admin_function_name == "orders-lease-manager-admin" && output.operator_command == "lease-manager status --table orders-leases --max-leases 100"
    error_message = "the outputs name the admin function and the operator's command"
  }
}

run "no_admin_function_when_not_wanted" {
  command = apply

  variables {
    create_admin_function = false
    lease_prefix          = "etl"
  }

  assert {
    condition     = length(aws_lambda_function.admin) == 0 && length(aws_cloudwatch_log_group.admin) == 0 && output.admin_permissions == null && output.admin_function_arn == null
    error_message = "nothing of the admin function is created"
  }

  assert {
    condition     = output.operator_command == "lease-manager status --table orders-leases --pool etl --max-leases 100"
    error_message = "the CLI reads the table directly and needs no admin function"
  }
}
