# sfn_on_busy with every wait strategy and both query languages: "fail" raises
# LeaseManager.LeaseUnavailable with no retrier for it, "skip" routes every answer but "acquired" to
# sfn_post_skip_state, and neither renders a Wait or queueing state (nothing could reach it).

mock_provider "aws" {
  source = "./tests/terraform/mocks"
}

variables {
  max_concurrent_leases        = 10
  sfn_post_acquire_lease_state = "Work"
}

run "fail_with_poll" {
  command = apply

  variables {
    sfn_on_busy = "fail"
  }

  assert {
    condition = (
      keys(jsondecode(output.acquire_lease_state)) == ["AcquireLease", "CheckLeaseStatus"] && output.wait_for_lease_state == null
      && jsondecode(output.acquire_lease_state).AcquireLease.Parameters.Payload.fail_if_unavailable == true
      && length(jsondecode(output.acquire_lease_state).AcquireLease.Retry) == 1
      && !contains(flatten([for r in jsondecode(output.acquire_lease_state).AcquireLease.Retry : r.ErrorEquals]), "LeaseManager.LeaseUnavailable")
    )
    error_message = "fail: the acquire asks to fail, LeaseUnavailable is not retried, and there is no Wait"
  }

  assert {
    condition     = jsondecode(output.acquire_lease_state).CheckLeaseStatus.Choices == [{ Variable = "$.acquireLease.status", StringEquals = "acquired", Next = "Work" }] && !contains(keys(jsondecode(output.acquire_lease_state).CheckLeaseStatus), "Default")
    error_message = "only acquired leads anywhere"
  }

  assert {
    condition     = endswith(jsondecode(output.acquire_lease_state).AcquireLease.Comment, " A full pool fails this Task with LeaseManager.LeaseUnavailable (not retried).")
    error_message = "the comment says a full pool fails the Task"
  }
}

run "fail_with_retry_drops_the_lease_retrier" {
  command = apply

  variables {
    sfn_on_busy       = "fail"
    sfn_wait_strategy = "retry"
  }

  assert {
    condition = (
      keys(jsondecode(output.acquire_lease_state)) == ["AcquireLease", "CheckLeaseStatus"]
      && jsondecode(output.acquire_lease_state).AcquireLease.Parameters.Payload.fail_if_unavailable == true
      && length(jsondecode(output.acquire_lease_state).AcquireLease.Retry) == 1
      && !strcontains(jsondecode(output.acquire_lease_state).AcquireLease.Comment, "retried (LeaseManager.LeaseUnavailable)")
    )
    error_message = "fail overrides the retry strategy's retrier: the error propagates at once"
  }
}

run "fail_with_callback_and_a_key_renders_no_queue" {
  command = apply

  variables {
    sfn_on_busy                   = "fail"
    sfn_wait_strategy             = "callback"
    sfn_concurrency_key_jsonpath  = "$.tenant_id"
    max_concurrent_leases_per_key = 2
  }

  assert {
    condition = (
      keys(jsondecode(output.acquire_lease_state)) == ["AcquireLease", "CheckLeaseStatus"] && output.wait_for_lease_state == null
      && length(jsondecode(output.acquire_lease_state).CheckLeaseStatus.Choices) == 1
      && jsondecode(output.acquire_lease_state).AcquireLease.Parameters.Payload.fail_if_unavailable == true
      && jsondecode(output.acquire_lease_state).AcquireLease.Parameters.Payload["concurrency_key.$"] == "$.tenant_id"
    )
    error_message = "callback + fail queues nothing: no WaitForLease Task"
  }

  assert {
    condition     = output.sfn_workflow_types == tolist(["STANDARD", "EXPRESS"]) && endswith(jsondecode(output.acquire_lease_state).AcquireLease.Comment, " A full pool or key fails this Task with LeaseManager.LeaseUnavailable (not retried).")
    error_message = "without the .waitForTaskToken Task the fragments also run in Express workflows"
  }
}

run "fail_jsonata" {
  command = apply

  variables {
    sfn_on_busy        = "fail"
    sfn_query_language = "JSONata"
  }

  assert {
    condition = (
      keys(jsondecode(output.acquire_lease_state)) == ["AcquireLease", "CheckLeaseStatus"]
      && jsondecode(output.acquire_lease_state).AcquireLease.Arguments.Payload.fail_if_unavailable == true
      && jsondecode(output.acquire_lease_state).CheckLeaseStatus.Choices == [{ Condition = "{% $lease.status = 'acquired' %}", Next = "Work" }]
    )
    error_message = "JSONata fail: the same flag, one Choice rule, no Wait"
  }
}

run "skip_with_poll" {
  command = apply

  variables {
    sfn_on_busy         = "skip"
    sfn_post_skip_state = "AlreadyRunning"
  }

  assert {
    condition = jsondecode(output.acquire_lease_state).CheckLeaseStatus == {
      Type    = "Choice"
      Comment = "Go on only with a lease; without one, skip the work."
      Choices = [{ Variable = "$.acquireLease.status", StringEquals = "acquired", Next = "Work" }]
      Default = "AlreadyRunning"
    }
    error_message = "skip: acquired goes to the work, anything else to sfn_post_skip_state"
  }

  assert {
    condition = (
      keys(jsondecode(output.acquire_lease_state)) == ["AcquireLease", "CheckLeaseStatus"] && output.wait_for_lease_state == null
      && !contains(keys(jsondecode(output.acquire_lease_state).AcquireLease.Parameters.Payload), "fail_if_unavailable")
      && length(jsondecode(output.acquire_lease_state).AcquireLease.Retry) == 1
    )
    error_message = "skip: the acquire answers wait (no fail flag, no lease retrier) and nothing waits"
  }

  assert {
    condition     = endswith(jsondecode(output.acquire_lease_state).AcquireLease.Comment, " A full pool skips the work (AlreadyRunning): no lease is taken.")
    error_message = "the comment says where a full pool goes"
  }
}

run "skip_with_retry_neither_fails_nor_retries" {
  command = apply

  variables {
    sfn_on_busy         = "skip"
    sfn_wait_strategy   = "retry"
    sfn_post_skip_state = "AlreadyRunning"
  }

  assert {
    condition = (
      !contains(keys(jsondecode(output.acquire_lease_state).AcquireLease.Parameters.Payload), "fail_if_unavailable")
      && length(jsondecode(output.acquire_lease_state).AcquireLease.Retry) == 1
      && jsondecode(output.acquire_lease_state).CheckLeaseStatus.Default == "AlreadyRunning"
    )
    error_message = "skip with retry: the wait answer is routed, not raised"
  }
}

run "singleton_key_limit_one_and_skip_with_callback" {
  command = apply

  variables {
    sfn_on_busy                   = "skip"
    sfn_post_skip_state           = "AlreadyRunning"
    sfn_wait_strategy             = "callback"
    sfn_concurrency_key_jsonpath  = "$.order_id"
    max_concurrent_leases_per_key = 1
  }

  assert {
    condition = (
      keys(jsondecode(output.acquire_lease_state)) == ["AcquireLease", "CheckLeaseStatus"]
      && jsondecode(output.acquire_lease_state).CheckLeaseStatus.Default == "AlreadyRunning"
      && jsondecode(output.acquire_lease_state).AcquireLease.Parameters.Payload["concurrency_key.$"] == "$.order_id"
      && aws_lambda_function.this[0].environment[0].variables.LEASE_MAX_CONCURRENT_PER_KEY == "1"
      && output.sfn_workflow_types == tolist(["STANDARD", "EXPRESS"])
    )
    error_message = "a singleton per order: a second execution for an order in flight skips"
  }
}

run "skip_jsonata" {
  command = apply

  variables {
    sfn_on_busy                   = "skip"
    sfn_post_skip_state           = "AlreadyRunning"
    sfn_query_language            = "JSONata"
    sfn_concurrency_key_jsonpath  = "$.order_id"
    max_concurrent_leases_per_key = 1
  }

  assert {
    condition = jsondecode(output.acquire_lease_state).CheckLeaseStatus == {
      Type          = "Choice"
      QueryLanguage = "JSONata"
      Comment       = "Go on only with a lease; without one, skip the work."
      Choices       = [{ Condition = "{% $lease.status = 'acquired' %}", Next = "Work" }]
      Default       = "AlreadyRunning"
    }
    error_message = "JSONata skip: the same routes"
  }

  assert {
    condition     = jsondecode(output.acquire_lease_state).AcquireLease.Arguments.Payload.concurrency_key == "{% $states.input.order_id %}" && output.wait_for_lease_state == null
    error_message = "the JSONata acquire sends the key; nothing waits"
  }
}

run "wait_keeps_each_strategy_as_it_was" {
  command = apply

  variables {
    sfn_on_busy       = "wait"
    sfn_wait_strategy = "retry"
  }

  assert {
    condition = (
      jsondecode(output.acquire_lease_state).AcquireLease.Parameters.Payload.fail_if_unavailable == true
      && jsondecode(output.acquire_lease_state).AcquireLease.Retry[1].ErrorEquals == ["LeaseManager.LeaseUnavailable"]
      && !contains(keys(jsondecode(output.acquire_lease_state).CheckLeaseStatus), "Default")
    )
    error_message = "wait with retry: the LeaseUnavailable retrier waits"
  }
}

run "wait_with_callback_still_queues" {
  command = apply

  variables {
    sfn_wait_strategy = "callback"
  }

  assert {
    condition     = jsondecode(output.acquire_lease_state).WaitForLease.Resource == "arn:aws:states:::lambda:invoke.waitForTaskToken" && output.sfn_workflow_types == tolist(["STANDARD"])
    error_message = "wait with callback: the queueing Task, Standard workflows only"
  }
}
