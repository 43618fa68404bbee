# Validation of sfn_on_busy and sfn_post_skip_state; queueing under a concurrency key with the
# callback strategy is accepted and its queueing Task carries the key.

mock_provider "aws" {
  source = "./tests/terraform/mocks"
}

variables {
  max_concurrent_leases        = 10
  sfn_post_acquire_lease_state = "Work"
}

# Both validations read their own input only, so one plan rejects both.
run "rejects_unknown_on_busy_and_empty_skip_state" {
  command = plan

  variables {
    sfn_on_busy         = "queue" # not a choice
    sfn_post_skip_state = ""      # an empty state name
  }

  expect_failures = [var.sfn_on_busy, var.sfn_post_skip_state]
}

run "callback_queues_under_a_key" {
  command = apply

  variables {
    sfn_wait_strategy             = "callback"
    sfn_concurrency_key_jsonpath  = "$.tenant_id"
    max_concurrent_leases_per_key = 2
  }

  assert {
    condition     = jsondecode(output.wait_for_lease_state).WaitForLease.Parameters.Payload["concurrency_key.$"] == "$.tenant_id"
    error_message = "the queueing Task sends the key"
  }
}

run "callback_queues_under_a_jsonata_key" {
  command = apply

  variables {
    sfn_wait_strategy             = "callback"
    sfn_query_language            = "JSONata"
    sfn_concurrency_key_jsonata   = "$states.input.tenant_id"
    max_concurrent_leases_per_key = 2
  }

  assert {
    condition     = jsondecode(output.wait_for_lease_state).WaitForLease.Arguments.Payload.concurrency_key == "{% $states.input.tenant_id %}"
    error_message = "the JSONata queueing Task sends the key"
  }
}

run "skip_needs_a_skip_state" {
  command = plan

  variables {
    sfn_on_busy = "skip"
  }

  expect_failures = [output.acquire_lease_state]
}

run "skip_state_needs_skip" {
  command = plan

  variables {
    sfn_post_skip_state = "AlreadyRunning"
  }

  expect_failures = [output.acquire_lease_state]
}

run "skip_state_refused_with_fail" {
  command = plan

  variables {
    sfn_on_busy         = "fail"
    sfn_post_skip_state = "AlreadyRunning"
  }

  expect_failures = [output.acquire_lease_state]
}

run "skip_state_is_not_the_work" {
  command = plan

  variables {
    sfn_on_busy         = "skip"
    sfn_post_skip_state = "Work"
  }

  expect_failures = [output.acquire_lease_state]
}

run "skip_state_is_not_the_release" {
  command = plan

  variables {
    sfn_on_busy         = "skip"
    sfn_post_skip_state = "ReleaseLease"
  }

  expect_failures = [output.acquire_lease_state]
}

run "skip_state_is_not_the_wait_state" {
  command = plan

  variables {
    sfn_on_busy         = "skip"
    sfn_post_skip_state = "WaitForLease"
  }

  expect_failures = [output.acquire_lease_state]
}

run "accepts_callback_with_a_key_that_skips" {
  command = plan

  variables {
    sfn_wait_strategy             = "callback"
    sfn_concurrency_key_jsonpath  = "$.tenant_id"
    max_concurrent_leases_per_key = 1
    sfn_on_busy                   = "skip"
    sfn_post_skip_state           = "Done"
  }

  assert {
    condition     = output.wait_for_lease_state == null
    error_message = "callback + key + skip is allowed: nothing queues"
  }
}
