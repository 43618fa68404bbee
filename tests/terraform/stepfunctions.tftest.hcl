# Step Functions depth (issue 8): the retry wait strategy, JSONata fragments, the renew fragment and
# reclaim on execution failure — what each input renders and creates.

mock_provider "aws" {
  source = "./tests/terraform/mocks"
}

variables {
  lambda_package_path = "tests/terraform/fixtures/lease-manager-test.zip"
}

run "retry_strategy_is_one_task_that_retries_a_full_pool" {
  command = apply

  variables {
    sfn_wait_strategy = "retry"
    sfn_lease_retry   = { interval_seconds = 3, backoff_rate = 1.25, max_delay_seconds = 45, max_attempts = 12 }
  }

  assert {
    condition     = keys(jsondecode(output.acquire_lease_state)) == ["AcquireLease", "CheckLeaseStatus"]
    error_message = "no Wait state: the Task's Retry does the waiting"
  }

  assert {
    condition     = output.wait_for_lease_state == null
    error_message = "wait_for_lease_state is null with the retry strategy"
  }

  assert {
    condition     = jsondecode(output.acquire_lease_state).AcquireLease.Parameters.Payload.fail_if_unavailable == true
    error_message = "the Task asks the function to fail when the pool is full"
  }

  assert {
    condition = jsondecode(output.acquire_lease_state).AcquireLease.Retry[1] == {
      ErrorEquals     = ["LeaseManager.LeaseUnavailable"]
      IntervalSeconds = 3
      MaxAttempts     = 12
      BackoffRate     = 1.25
      MaxDelaySeconds = 45
      JitterStrategy  = "FULL"
    }
    error_message = "LeaseUnavailable is retried with sfn_lease_retry's backoff, cap and bound, full jitter"
  }

  assert {
    condition     = jsondecode(output.acquire_lease_state).AcquireLease.Retry[0].ErrorEquals[7] == "LeaseManager.TransientFailure" && length(jsondecode(output.acquire_lease_state).AcquireLease.Retry) == 2
    error_message = "the transient-fault retrier stays first and separate"
  }

  assert {
    condition = jsondecode(output.acquire_lease_state).CheckLeaseStatus.Choices == [
      { Variable = "$.acquireLease.status", StringEquals = "acquired", Next = "StartExecution" },
    ]
    error_message = "the Choice still gates the work on \"acquired\" (and has no wait branch)"
  }

  assert {
    condition     = !can(jsondecode(output.acquire_lease_state).AcquireLease.Catch)
    error_message = "no Catch: exhausted retries fail the execution with LeaseManager.LeaseUnavailable"
  }
}

run "poll_strategy_sends_no_fail_flag_and_no_lease_retrier" {
  command = apply

  assert {
    condition     = !can(jsondecode(output.acquire_lease_state).AcquireLease.Parameters.Payload.fail_if_unavailable) && length(jsondecode(output.acquire_lease_state).AcquireLease.Retry) == 1
    error_message = "the default poll strategy is unchanged"
  }
}

run "jsonata_fragments_use_arguments_assign_and_output" {
  command = apply

  variables {
    sfn_query_language         = "JSONata"
    sfn_resource_id_jsonpath   = "$.job.id"
    sfn_lease_variable_name    = "jobLease"
    sfn_post_renew_lease_state = "NextChunk"
  }

  assert {
    condition = alltrue([for name, state in merge(jsondecode(output.acquire_lease_state), jsondecode(output.release_lease_state), jsondecode(output.renew_lease_state)) :
      state.QueryLanguage == "JSONata" && !can(state.Parameters) && !can(state.ResultSelector) && !can(state.ResultPath)
    ])
    error_message = "every state is JSONata and has none of the JSONPath-only fields"
  }

  assert {
    condition = jsondecode(output.acquire_lease_state).AcquireLease.Arguments == {
      FunctionName = "arn:aws:lambda:eu-central-1:123456789012:function:concurrency-mgmt-lease-manager"
      Payload = {
        action      = "acquire"
        resource_id = "{% $states.input.job.id %}"
        owner_id    = "{% $states.context.Execution.Id %}"
        attempt     = "{% $states.context.State.RetryCount %}"
      }
    }
    error_message = "the same payload as the JSONPath Task, the resource id path translated"
  }

  assert {
    condition = jsondecode(output.acquire_lease_state).AcquireLease.Assign == {
      jobLease = "{% $states.result.Payload.{'status': status, 'lease_id': lease_id, 'lease_expires_at': lease_expires_at, 'current_running': current_running, 'max_concurrent_leases': max_concurrent_leases} %}"
    }
    error_message = "the answer goes to $jobLease"
  }

  assert {
    condition     = jsondecode(output.acquire_lease_state).AcquireLease.Output == "{% $states.input %}"
    error_message = "the state input passes through unchanged"
  }

  assert {
    condition = jsondecode(output.acquire_lease_state).CheckLeaseStatus.Choices == [
      { Condition = "{% $jobLease.status = 'acquired' %}", Next = "StartExecution" },
      { Condition = "{% $jobLease.status = 'wait' %}", Next = "WaitForLease" },
    ]
    error_message = "the Choice reads the variable"
  }

  assert {
    condition     = jsondecode(output.release_lease_state).ReleaseLease.Arguments.Payload == { action = "release", lease_id = "{% $jobLease.lease_id %}" }
    error_message = "release reads the lease id from the variable"
  }

  assert {
    condition     = jsondecode(output.renew_lease_state).RenewLease.Arguments.Payload == { action = "renew", lease_id = "{% $jobLease.lease_id %}" } && jsondecode(output.renew_lease_state).RenewLease.Next == "NextChunk"
    error_message = "renew reads the lease id from the variable and goes on to the loop"
  }

  assert {
    condition     = output.sfn_lease_variable_name == "jobLease"
    error_message = "the variable name is an output"
  }
}

run "jsonata_retry_strategy" {
  command = apply

  variables {
    sfn_query_language      = "JSONata"
    sfn_wait_strategy       = "retry"
    sfn_resource_id_jsonata = "$states.input.tenant & '/' & $string($states.context.Map.Item.Index)"
  }

  assert {
    condition     = jsondecode(output.acquire_lease_state).AcquireLease.Arguments.Payload.resource_id == "{% $states.input.tenant & '/' & $string($states.context.Map.Item.Index) %}" && jsondecode(output.acquire_lease_state).AcquireLease.Arguments.Payload.fail_if_unavailable == true
    error_message = "an explicit expression wins; the retry strategy's flag is there too"
  }

  assert {
    condition     = keys(jsondecode(output.acquire_lease_state)) == ["AcquireLease", "CheckLeaseStatus"] && length(jsondecode(output.acquire_lease_state).CheckLeaseStatus.Choices) == 1
    error_message = "no Wait, one Choice branch"
  }
}

run "jsonata_needs_an_expression_for_a_path_it_cannot_translate" {
  command = plan

  variables {
    sfn_query_language       = "JSONata"
    sfn_resource_id_jsonpath = "$.jobs[0].id"
  }

  expect_failures = [output.acquire_lease_state]
}

run "renew_fragment_is_null_until_it_has_somewhere_to_go" {
  command = apply

  assert {
    condition     = output.renew_lease_state == null
    error_message = "no sfn_post_renew_lease_state, no fragment"
  }
}

run "renew_fragment_extends_the_lease_acquire_took" {
  command = apply

  variables {
    sfn_lease_result_path       = "$.lease"
    sfn_post_renew_lease_state  = "ProcessChunk"
    sfn_renew_lease_state_name  = "KeepLease"
    sfn_renew_lease_result_path = "$.renewed"
  }

  assert {
    condition = jsondecode(output.renew_lease_state) == {
      KeepLease = {
        Type     = "Task"
        Comment  = "Extend the lease to max_lease_duration_seconds from now. Fails with LeaseManager.LeaseLost when it already expired or was released: stop the work."
        Resource = "arn:aws:states:::lambda:invoke"
        Parameters = {
          FunctionName = "arn:aws:lambda:eu-central-1:123456789012:function:concurrency-mgmt-lease-manager"
          Payload      = { action = "renew", "lease_id.$" = "$.lease.lease_id" }
        }
        ResultSelector = { "status.$" = "$.Payload.status", "lease_id.$" = "$.Payload.lease_id", "lease_expires_at.$" = "$.Payload.lease_expires_at" }
        ResultPath     = "$.renewed"
        Retry          = jsondecode(output.release_lease_state).ReleaseLease.Retry
        Next           = "ProcessChunk"
      }
    }
    error_message = "renew reads the lease id where acquire put it, retries transient faults only (LeaseLost is final)"
  }

  assert {
    condition = alltrue([for state in [jsondecode(output.acquire_lease_state).AcquireLease, jsondecode(output.release_lease_state).ReleaseLease, jsondecode(output.renew_lease_state).KeepLease] :
      state.Retry[0].ErrorEquals[0] == "Lambda.ClientExecutionTimeoutException" && contains(state.Retry[0].ErrorEquals, "Sandbox.Timedout") && contains(state.Retry[0].ErrorEquals, "Lambda.Unknown")
    ])
    error_message = "acquire, release and renew retry AWS's recommended Lambda errors (ClientExecutionTimeoutException first) and a function timeout"
  }

  assert {
    condition     = output.sfn_renew_lease_state_name == "KeepLease" && output.sfn_lease_variable_name == null
    error_message = "names are outputs; no variable for JSONPath fragments"
  }
}

run "renew_must_not_loop_into_a_lease_state" {
  command = plan

  variables {
    sfn_post_renew_lease_state = "AcquireLease"
  }

  expect_failures = [output.acquire_lease_state]
}

run "reclaim_is_off_by_default" {
  command = apply

  assert {
    condition     = length(aws_cloudwatch_event_rule.reclaim) == 0 && length(aws_lambda_permission.reclaim) == 0 && output.reclaim_rule_arn == null
    error_message = "no rule, no permission unless asked"
  }
}

run "reclaim_routes_failed_executions_of_the_watched_machines_to_the_function" {
  command = apply

  variables {
    reclaim_on_execution_failure = true
    reclaim_state_machine_arns   = ["arn:aws:states:eu-central-1:123456789012:stateMachine:orders", "arn:aws:states:eu-central-1:123456789012:stateMachine:billing"]
    lambda_timeout_seconds       = 20
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

  variables {
    reclaim_on_execution_failure = true
  }

  expect_failures = [aws_cloudwatch_event_rule.reclaim]
}

run "reclaim_without_the_function_creates_nothing" {
  command = apply

  variables {
    create_lambdas               = false
    reclaim_on_execution_failure = true
    reclaim_state_machine_arns   = ["arn:aws:states:eu-central-1:123456789012:stateMachine:orders"]
  }

  assert {
    condition     = length(aws_cloudwatch_event_rule.reclaim) == 0 && output.reclaim_rule_arn == null
    error_message = "a table-only instance has no function to invoke"
  }
}
