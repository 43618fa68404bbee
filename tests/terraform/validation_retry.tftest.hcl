# Validation of the wait strategy and both Retry objects (sfn_task_retry, sfn_lease_retry) against
# the Step Functions limits.

mock_provider "aws" {
  source = "./tests/terraform/mocks"
}

run "rejects_retry_backoff" {
  command = plan

  variables {
    sfn_task_retry = { backoff_rate = 0.5 }
  }

  expect_failures = [var.sfn_task_retry]
}

run "rejects_retry_max_delay_below_interval" {
  command = plan

  variables {
    sfn_task_retry = { interval_seconds = 10, max_delay_seconds = 5 }
  }

  expect_failures = [var.sfn_task_retry]
}

run "rejects_unknown_wait_strategy" {
  command = plan

  variables {
    sfn_wait_strategy = "sleep"
  }

  expect_failures = [var.sfn_wait_strategy]
}

run "rejects_lease_retry_interval_below_one" {
  command = plan

  variables {
    sfn_lease_retry = { interval_seconds = 0 }
  }

  expect_failures = [var.sfn_lease_retry]
}

run "rejects_lease_retry_fractional_interval" {
  command = plan

  variables {
    sfn_lease_retry = { interval_seconds = 1.5 }
  }

  expect_failures = [var.sfn_lease_retry]
}

run "rejects_lease_retry_shrinking_backoff" {
  command = plan

  variables {
    sfn_lease_retry = { backoff_rate = 0.5 }
  }

  expect_failures = [var.sfn_lease_retry]
}

run "rejects_lease_retry_without_attempts" {
  command = plan

  variables {
    sfn_lease_retry = { max_attempts = 0 }
  }

  expect_failures = [var.sfn_lease_retry]
}

run "rejects_lease_retry_cap_below_interval" {
  command = plan

  variables {
    sfn_lease_retry = { interval_seconds = 10, max_delay_seconds = 5 }
  }

  expect_failures = [var.sfn_lease_retry]
}

# Retry fields Step Functions takes as integers only (IntervalSeconds, MaxAttempts, MaxDelaySeconds).

run "rejects_task_retry_fractional_interval" {
  command = plan

  variables {
    sfn_task_retry = { interval_seconds = 1.5 }
  }

  expect_failures = [var.sfn_task_retry]
}

run "rejects_task_retry_fractional_max_attempts" {
  command = plan

  variables {
    sfn_task_retry = { max_attempts = 2.5 }
  }

  expect_failures = [var.sfn_task_retry]
}

run "rejects_task_retry_fractional_max_delay" {
  command = plan

  variables {
    sfn_task_retry = { max_delay_seconds = 10.5 }
  }

  expect_failures = [var.sfn_task_retry]
}

run "rejects_task_retry_max_delay_over_the_limit" {
  command = plan

  variables {
    sfn_task_retry = { max_delay_seconds = 31622401 }
  }

  expect_failures = [var.sfn_task_retry]
}

run "rejects_lease_retry_fractional_max_attempts" {
  command = plan

  variables {
    sfn_wait_strategy = "retry"
    sfn_lease_retry   = { max_attempts = 7.5 }
  }

  expect_failures = [var.sfn_lease_retry]
}

run "accepts_whole_retry_values_with_a_fractional_backoff" {
  command = plan

  variables {
    sfn_wait_strategy = "retry"
    sfn_task_retry    = { interval_seconds = 2, max_attempts = 0, backoff_rate = 1.5, max_delay_seconds = 31622400 }
    sfn_lease_retry   = { interval_seconds = 3, max_attempts = 99999999, backoff_rate = 1.1, max_delay_seconds = 31622400 }
  }

  assert {
    condition     = local.task_retry[0].IntervalSeconds == 2 && local.task_retry[0].MaxDelaySeconds == 31622400
    error_message = "whole values render as given"
  }
}
