# Validation of the callback strategy's inputs: each bad value, and each input that needs the
# callback strategy or a JSONata expression it lacks, is rejected at plan.

mock_provider "aws" {
  source = "./tests/terraform/mocks"
}

# Each run rejects one bad value of several callback inputs under the callback strategy; their
# validations read their own input only. An unknown strategy is in validation_retry.tftest.hcl.

run "rejects_short_callback_intervals_and_a_blank_priority_expression" {
  command = plan

  variables {
    sfn_wait_strategy               = "callback"
    sfn_query_language              = "JSONata"
    sfn_callback_timeout_seconds    = 9    # below ten seconds
    callback_sweep_interval_minutes = 0    # zero
    sfn_priority_jsonata            = "  " # blank expression
  }

  expect_failures = [var.sfn_callback_timeout_seconds, var.callback_sweep_interval_minutes, var.sfn_priority_jsonata]
}

run "rejects_long_callback_intervals_and_a_delimited_priority_expression" {
  command = plan

  variables {
    sfn_wait_strategy               = "callback"
    sfn_query_language              = "JSONata"
    sfn_callback_timeout_seconds    = 86401                          # above a day
    callback_sweep_interval_minutes = 61                             # above an hour
    sfn_priority_jsonata            = "{% $states.input.priority %}" # expression with delimiters
  }

  expect_failures = [var.sfn_callback_timeout_seconds, var.callback_sweep_interval_minutes, var.sfn_priority_jsonata]
}

run "rejects_fractional_callback_intervals_and_a_priority_path_without_dollar" {
  command = plan

  variables {
    sfn_wait_strategy               = "callback"
    sfn_callback_timeout_seconds    = 30.5       # fractional
    callback_sweep_interval_minutes = 1.5        # fractional
    sfn_priority_jsonpath           = "priority" # path without $
  }

  expect_failures = [var.sfn_callback_timeout_seconds, var.callback_sweep_interval_minutes, var.sfn_priority_jsonpath]
}

run "accepts_timeout_bounds" {
  command = apply

  variables {
    sfn_wait_strategy            = "callback"
    sfn_callback_timeout_seconds = 10
  }

  assert {
    condition     = jsondecode(output.acquire_lease_state).WaitForLease.TimeoutSeconds == 10
    error_message = "10 s is the shortest timeout"
  }
}

run "timeout_must_be_shorter_than_a_lease" {
  command = plan

  variables {
    sfn_wait_strategy            = "callback"
    max_lease_duration_seconds   = 60
    sfn_callback_timeout_seconds = 60
  }

  expect_failures = [output.acquire_lease_state]
}

run "poll_ignores_the_callback_timeout" {
  command = plan

  variables {
    max_lease_duration_seconds = 30
  }

  assert {
    condition     = !strcontains(output.acquire_lease_state, "waitForTaskToken")
    error_message = "the default 60 s callback timeout does not constrain a short lease of the poll strategy"
  }
}

run "rejects_priority_path_without_callback" {
  command = plan

  variables {
    sfn_priority_jsonpath = "$.priority"
  }

  expect_failures = [output.acquire_lease_state]
}

run "rejects_priority_expression_without_callback" {
  command = plan

  variables {
    sfn_wait_strategy    = "retry"
    sfn_query_language   = "JSONata"
    sfn_priority_jsonata = "$states.input.priority"
  }

  expect_failures = [output.acquire_lease_state]
}

run "jsonata_needs_an_expression_for_a_priority_path_it_cannot_translate" {
  command = plan

  variables {
    sfn_wait_strategy     = "callback"
    sfn_query_language    = "JSONata"
    sfn_priority_jsonpath = "$.tiers[0]"
  }

  expect_failures = [output.acquire_lease_state]
}

run "callback_state_names_must_stay_distinct" {
  command = plan

  variables {
    sfn_wait_strategy   = "callback"
    sfn_wait_state_name = "CheckLeaseStatus"
  }

  expect_failures = [output.acquire_lease_state]
}
