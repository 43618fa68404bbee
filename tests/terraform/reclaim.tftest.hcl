# Reclaim on execution failure: what it creates (an EventBridge rule on the watched state machines
# that invokes the function) and which state machine ARNs it accepts.

mock_provider "aws" {
  source = "./tests/terraform/mocks"
}

# reclaim_is_off_by_default is in defaults.tftest.hcl; every run here switches reclaim on.
variables {
  reclaim_on_execution_failure = true
}

run "reclaim_routes_failed_executions_of_the_watched_machines_to_the_function" {
  command = apply

  variables {
    reclaim_state_machine_arns = ["arn:aws:states:eu-central-1:123456789012:stateMachine:orders", "arn:aws:states:eu-central-1:123456789012:stateMachine:billing"]
    lambda_timeout_seconds     = 20
  }

  assert {
    condition = jsondecode(aws_cloudwatch_event_rule.reclaim[0].event_pattern) == {
      source        = ["aws.states"]
      "detail-type" = ["Step Functions Execution Status Change"]
      detail = {
        status = ["FAILED", "TIMED_OUT", "ABORTED"]
        stateMachineArn = [
          "arn:aws:states:eu-central-1:123456789012:stateMachine:orders",
          { prefix = "arn:aws:states:eu-central-1:123456789012:stateMachine:orders/" },
          "arn:aws:states:eu-central-1:123456789012:stateMachine:billing",
          { prefix = "arn:aws:states:eu-central-1:123456789012:stateMachine:billing/" },
        ]
      }
    }
    error_message = "only the ended-badly executions of the watched machines (and their Distributed Map children)"
  }

  assert {
    condition     = aws_cloudwatch_event_target.reclaim[0].arn == aws_lambda_function.this[0].arn && aws_cloudwatch_event_target.reclaim[0].rule == aws_cloudwatch_event_rule.reclaim[0].name
    error_message = "the rule targets the lease manager"
  }

  assert {
    condition = (
      aws_lambda_permission.reclaim[0].principal == "events.amazonaws.com"
      && aws_lambda_permission.reclaim[0].source_arn == aws_cloudwatch_event_rule.reclaim[0].arn
      && aws_lambda_permission.reclaim[0].action == "lambda:InvokeFunction"
    )
    error_message = "only this rule may invoke the function (resource policy, no role)"
  }

  assert {
    condition     = aws_lambda_function.this[0].environment[0].variables.LEASE_RECLAIM_SETTLE_SECONDS == "20"
    error_message = "the function waits one function timeout for acquires still in flight"
  }

  assert {
    condition     = output.reclaim_rule_arn == aws_cloudwatch_event_rule.reclaim[0].arn && jsondecode(output.reclaim_event_pattern).detail.status == ["FAILED", "TIMED_OUT", "ABORTED"]
    error_message = "the rule is an output"
  }

  assert {
    condition = [for s in jsondecode(aws_iam_role_policy.lambda[0].policy).Statement : s if s.Sid == "UseOwnLeasePool"][0] == {
      Sid       = "UseOwnLeasePool"
      Effect    = "Allow"
      Action    = ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"]
      Resource  = ["arn:aws:dynamodb:eu-central-1:123456789012:table/concurrency-mgmt-leases"]
      Condition = { "ForAllValues:StringEquals" = { "dynamodb:LeadingKeys" = ["pool#"] } }
    }
    error_message = "reclaim's query is the pool query the function already had: no new permission"
  }
}

run "reclaim_needs_state_machines" {
  command = plan

  expect_failures = [aws_cloudwatch_event_rule.reclaim]
}

run "reclaim_without_the_function_creates_nothing" {
  command = apply

  variables {
    create_lambdas             = false
    reclaim_state_machine_arns = ["arn:aws:states:eu-central-1:123456789012:stateMachine:orders"]
  }

  assert {
    condition     = length(aws_cloudwatch_event_rule.reclaim) == 0 && output.reclaim_rule_arn == null
    error_message = "a table-only instance has no function to invoke"
  }
}

run "rejects_reclaim_arn_that_is_not_a_state_machine" {
  command = plan

  variables {
    reclaim_state_machine_arns = ["arn:aws:states:eu-central-1:123456789012:execution:orders:run-1"]
  }

  expect_failures = [var.reclaim_state_machine_arns]
}

# reclaim_state_machine_arns: CreateStateMachine's name rules, exactly (1-80 characters; no white
# space, brackets, wildcards, the listed specials or control characters; anything else is allowed).

run "accepts_every_valid_state_machine_name" {
  command = plan

  variables {
    reclaim_state_machine_arns = [
      "arn:aws:states:eu-central-1:123456789012:stateMachine:orders.v2",
      "arn:aws:states:eu-central-1:123456789012:stateMachine:billing+eu=1",
      "arn:aws:states:eu-central-1:123456789012:stateMachine:Job@Night!'(x)",
      "arn:aws:states:eu-central-1:123456789012:stateMachine:straße-größe",
      "arn:aws-us-gov:states:us-gov-west-1:123456789012:stateMachine:${join("", [for i in range(80) : "x"])}",
      "arn:aws-cn:states:cn-north-1:123456789012:stateMachine:Express_Flow-1",
    ]
  }

  assert {
    condition     = length(aws_cloudwatch_event_rule.reclaim) == 1
    error_message = "valid state machine names are accepted"
  }
}

run "rejects_state_machine_name_with_space" {
  command = plan

  variables {
    reclaim_state_machine_arns = ["arn:aws:states:eu-central-1:123456789012:stateMachine:my flow"]
  }

  expect_failures = [var.reclaim_state_machine_arns]
}

run "rejects_state_machine_name_with_unicode_space" {
  command = plan

  variables {
    reclaim_state_machine_arns = ["arn:aws:states:eu-central-1:123456789012:stateMachine:my\u00a0flow"]
  }

  expect_failures = [var.reclaim_state_machine_arns]
}

run "rejects_state_machine_name_with_brackets" {
  command = plan

  variables {
    reclaim_state_machine_arns = ["arn:aws:states:eu-central-1:123456789012:stateMachine:flow[1]"]
  }

  expect_failures = [var.reclaim_state_machine_arns]
}

run "rejects_state_machine_name_with_wildcard" {
  command = plan

  variables {
    reclaim_state_machine_arns = ["arn:aws:states:eu-central-1:123456789012:stateMachine:flow*"]
  }

  expect_failures = [var.reclaim_state_machine_arns]
}

run "rejects_state_machine_name_with_special_character" {
  command = plan

  variables {
    reclaim_state_machine_arns = ["arn:aws:states:eu-central-1:123456789012:stateMachine:flow#1"]
  }

  expect_failures = [var.reclaim_state_machine_arns]
}

run "rejects_state_machine_version_arn" {
  command = plan

  variables {
    reclaim_state_machine_arns = ["arn:aws:states:eu-central-1:123456789012:stateMachine:flow:1"]
  }

  expect_failures = [var.reclaim_state_machine_arns]
}

run "rejects_state_machine_name_with_control_character" {
  command = plan

  variables {
    reclaim_state_machine_arns = ["arn:aws:states:eu-central-1:123456789012:stateMachine:flow\u0085"]
  }

  expect_failures = [var.reclaim_state_machine_arns]
}

run "rejects_state_machine_name_over_80_characters" {
  command = plan

  variables {
    reclaim_state_machine_arns = ["arn:aws:states:eu-central-1:123456789012:stateMachine:${join("", [for i in range(81) : "x"])}"]
  }

  expect_failures = [var.reclaim_state_machine_arns]
}
