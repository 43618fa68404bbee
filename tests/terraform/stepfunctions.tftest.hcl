# The Step Functions fragments beyond the defaults: custom names and paths, the retry wait strategy,
# JSONata fragments and the renew fragment — what each input renders.

mock_provider "aws" {
  source = "./tests/terraform/mocks"
}

run "custom_names_and_paths_flow_through" {
  command = apply

  variables {
    sfn_acquire_lease_state_name  = "Take"
    sfn_check_lease_state_name    = "Got"
    sfn_wait_state_name           = "Hold"
    sfn_release_lease_state_name  = "Give"
    sfn_post_acquire_lease_state  = "Work"
    sfn_post_release_lease_state  = "After"
    sfn_resource_id_jsonpath      = "$.item.id"
    sfn_lease_result_path         = "$.lease"
    sfn_release_lease_result_path = "$.released"
    sfn_wait_seconds              = 2
    sfn_task_retry                = { max_attempts = 3, max_delay_seconds = 8 }
  }

  assert {
    condition     = keys(jsondecode(output.acquire_lease_state)) == ["Got", "Hold", "Take"]
    error_message = "renamed states"
  }

  assert {
    condition     = jsondecode(output.acquire_lease_state).Take.Next == "Got" && jsondecode(output.acquire_lease_state).Hold.Next == "Take" && jsondecode(output.acquire_lease_state).Got.Choices[0].Next == "Work" && jsondecode(output.acquire_lease_state).Got.Choices[1].Next == "Hold"
    error_message = "every Next follows the names"
  }

  assert {
    condition     = jsondecode(output.acquire_lease_state).Take.Parameters.Payload["resource_id.$"] == "$.item.id" && jsondecode(output.acquire_lease_state).Got.Choices[0].Variable == "$.lease.status"
    error_message = "resource id and result paths"
  }

  assert {
    condition     = jsondecode(output.release_lease_state).Give.Parameters.Payload["lease_id.$"] == "$.lease.lease_id" && jsondecode(output.release_lease_state).Give.Next == "After" && jsondecode(output.release_lease_state).Give.ResultPath == "$.released"
    error_message = "release follows the result path"
  }

  assert {
    condition     = jsondecode(output.acquire_lease_state).Hold.Seconds == 2 && jsondecode(output.acquire_lease_state).Take.Retry[0].MaxAttempts == 3 && jsondecode(output.acquire_lease_state).Take.Retry[0].MaxDelaySeconds == 8
    error_message = "wait and retry settings"
  }
}

run "explicit_lease_id_path_wins" {
  command = apply

  variables {
    sfn_lease_id_jsonpath = "$.custom.lease"
  }

  assert {
    condition     = jsondecode(output.release_lease_state).ReleaseLease.Parameters.Payload["lease_id.$"] == "$.custom.lease"
    error_message = "sfn_lease_id_jsonpath is honoured when set"
  }
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
      jobLease = "{% $states.result.Payload.{'status': status, 'lease_id': lease_id, 'lease_expires_at': lease_expires_at, 'current_running': current_running, 'max_concurrent_leases': max_concurrent_leases, 'limited_by': limited_by} %}"
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
