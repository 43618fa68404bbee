# The create-flag matrix: everything, nothing, table only, function on a reused table.

mock_provider "aws" {
  source = "./tests/terraform/mocks"
}

run "create_false_creates_nothing_and_outputs_null" {
  command = apply

  variables {
    create = false
  }

  assert {
    condition = (length(aws_dynamodb_table.this) + length(aws_lambda_function.this) + length(aws_iam_role.lambda) + length(aws_iam_role_policy.lambda)
    + length(aws_cloudwatch_log_group.lambda) + length(data.aws_dynamodb_table.external) + length(terraform_data.package) + length(aws_appautoscaling_target.table)) == 0
    error_message = "create = false creates nothing"
  }

  assert {
    condition = alltrue([for v in [output.dynamodb_table_name, output.dynamodb_table_arn, output.lambda_function_arn, output.lambda_function_name, output.lambda_role_arn,
      output.lambda_permissions, output.acquire_lease_state, output.release_lease_state, output.check_lease_status_state, output.wait_for_lease_state,
    output.lease_pool_key, output.lambda_log_group_name] : v == null])
    error_message = "every resource output is null, not \"\""
  }
}

run "table_only_for_the_shared_table_pattern" {
  command = apply

  variables {
    create_lambdas = false
    ddb_table_name = "shared-concurrency-leases"
  }

  assert {
    condition     = length(aws_dynamodb_table.this) == 1 && length(aws_lambda_function.this) == 0 && length(aws_iam_role.lambda) == 0 && length(aws_cloudwatch_log_group.lambda) == 0
    error_message = "create_lambdas = false creates only the table"
  }

  assert {
    condition     = output.dynamodb_table_name == "shared-concurrency-leases" && output.lambda_permissions == null && output.acquire_lease_state == null && output.release_lease_state == null
    error_message = "table outputs set, function and fragment outputs null"
  }
}

run "function_on_a_reused_table" {
  command = apply

  variables {
    create_dynamodb_table = false
    ddb_table_name        = "shared-concurrency-leases"
    lease_prefix          = "analytics"
  }

  assert {
    condition     = length(aws_dynamodb_table.this) == 0 && length(data.aws_dynamodb_table.external) == 1 && data.aws_dynamodb_table.external[0].name == "shared-concurrency-leases"
    error_message = "no table is created; the existing one is read"
  }

  assert {
    condition     = jsondecode(aws_iam_role_policy.lambda[0].policy).Statement[1].Resource == ["arn:aws:dynamodb:eu-central-1:123456789012:table/shared-concurrency-leases"]
    error_message = "the policy names the reused table"
  }

  assert {
    condition     = jsondecode(aws_iam_role_policy.lambda[0].policy).Statement[1].Condition["ForAllValues:StringEquals"]["dynamodb:LeadingKeys"] == ["pool#analytics"]
    error_message = "and only this pool's partition of it"
  }

  assert {
    condition     = aws_lambda_function.this[0].environment[0].variables.LEASE_TABLE_NAME == "shared-concurrency-leases" && aws_lambda_function.this[0].environment[0].variables.LEASE_PREFIX == "analytics"
    error_message = "the function is pointed at the reused table and its pool"
  }

  assert {
    condition     = output.dynamodb_table_name == "shared-concurrency-leases" && output.dynamodb_table_arn == "arn:aws:dynamodb:eu-central-1:123456789012:table/shared-concurrency-leases" && output.lease_pool_key == "pool#analytics"
    error_message = "table outputs describe the reused table"
  }
}

run "reusing_a_table_needs_its_name" {
  command = plan

  variables {
    create_dynamodb_table = false
  }

  expect_failures = [data.aws_dynamodb_table.external]
}
