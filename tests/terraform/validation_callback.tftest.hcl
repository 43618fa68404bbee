# Validation of the callback strategy's inputs: each bad value, and each input that needs the
# callback strategy or a JSONata expression it lacks, is rejected at plan.

mock_provider "aws" {
  source = "./tests/terraform/mocks"
}

run "rejects_unknown_strategy" {
  command = plan

  variables {
    sfn_wait_strategy = "queue"
  }

  expect_failures = [var.sfn_wait_strategy]
}

run "rejects_timeout_below_ten_seconds" {
  command = plan

  variables {
    sfn_wait_strategy            = "callback"
    sfn_callback_timeout_seconds = 9
  }

  expect_failures = [var.sfn_callback_timeout_seconds]
}

run "rejects_timeout_above_a_day" {
  command = plan

  variables {
    sfn_wait_strategy            = "callback"
    sfn_callback_timeout_seconds = 86401
  }

  expect_failures = [var.sfn_callback_timeout_seconds]
}

run "rejects_fractional_timeout" {
  command = plan

  variables {
    sfn_wait_strategy            = "callback"
    sfn_callback_timeout_seconds = 30.5
  }

  expect_failures = [var.sfn_callback_timeout_seconds]
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

run "rejects_priority_path_without_dollar" {
  command = plan

  variables {
    sfn_wait_strategy     = "callback"
    sfn_priority_jsonpath = "priority"
  }

  expect_failures = [var.sfn_priority_jsonpath]
}

run "rejects_priority_expression_with_delimiters" {
  command = plan

  variables {
    sfn_wait_strategy    = "callback"
    sfn_query_language   = "JSONata"
    sfn_priority_jsonata = "{% $states.input.priority %}"
  }

  expect_failures = [var.sfn_priority_jsonata]
}

run "rejects_blank_priority_expression" {
  command = plan

  variables {
    sfn_wait_strategy    = "callback"
    sfn_query_language   = "JSONata"
    sfn_priority_jsonata = "  "
  }

  expect_failures = [var.sfn_priority_jsonata]
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

run "rejects_sweep_interval_zero" {
  command = plan

  variables {
    sfn_wait_strategy               = "callback"
    callback_sweep_interval_minutes = 0
  }

  expect_failures = [var.callback_sweep_interval_minutes]
}

run "rejects_sweep_interval_above_an_hour" {
  command = plan

  variables {
    sfn_wait_strategy               = "callback"
    callback_sweep_interval_minutes = 61
  }

  expect_failures = [var.callback_sweep_interval_minutes]
}

run "rejects_fractional_sweep_interval" {
  command = plan

  variables {
    sfn_wait_strategy               = "callback"
    callback_sweep_interval_minutes = 1.5
  }

  expect_failures = [var.callback_sweep_interval_minutes]
}

run "callback_state_names_must_stay_distinct" {
  command = plan

  variables {
    sfn_wait_strategy   = "callback"
    sfn_wait_state_name = "CheckLeaseStatus"
  }

  expect_failures = [output.acquire_lease_state]
}
