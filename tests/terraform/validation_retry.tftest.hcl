# Validation of the wait strategy and both Retry objects (sfn_task_retry, sfn_lease_retry) against
# the Step Functions limits.

mock_provider "aws" {
  source = "./tests/terraform/mocks"
}

# Each run rejects one bad value of each Retry object (and of the wait strategy) in one plan: their
# validations read their own input only. IntervalSeconds, MaxAttempts and MaxDelaySeconds are
# integers only in Step Functions.

run "rejects_shrinking_backoffs_and_an_unknown_wait_strategy" {
  command = plan

  variables {
    sfn_task_retry    = { backoff_rate = 0.5 } # shrinking backoff
    sfn_lease_retry   = { backoff_rate = 0.5 } # shrinking backoff
    sfn_wait_strategy = "sleep"                # unknown strategy
  }

  expect_failures = [var.sfn_task_retry, var.sfn_lease_retry, var.sfn_wait_strategy]
}

run "rejects_retry_caps_below_the_interval_and_a_queue_strategy" {
  command = plan

  variables {
    sfn_task_retry    = { interval_seconds = 10, max_delay_seconds = 5 } # max delay below the interval
    sfn_lease_retry   = { interval_seconds = 10, max_delay_seconds = 5 } # cap below the interval
    sfn_wait_strategy = "queue"                                          # unknown strategy
  }

  expect_failures = [var.sfn_task_retry, var.sfn_lease_retry, var.sfn_wait_strategy]
}

run "rejects_fractional_retry_intervals" {
  command = plan

  variables {
    sfn_task_retry  = { interval_seconds = 1.5 } # fractional interval
    sfn_lease_retry = { interval_seconds = 1.5 } # fractional interval
  }

  expect_failures = [var.sfn_task_retry, var.sfn_lease_retry]
}

run "rejects_fractional_max_attempts" {
  command = plan

  variables {
    sfn_wait_strategy = "retry"
    sfn_task_retry    = { max_attempts = 2.5 } # fractional max attempts
    sfn_lease_retry   = { max_attempts = 7.5 } # fractional max attempts
  }

  expect_failures = [var.sfn_task_retry, var.sfn_lease_retry]
}

run "rejects_a_fractional_task_max_delay_and_a_lease_interval_below_one" {
  command = plan

  variables {
    sfn_task_retry  = { max_delay_seconds = 10.5 } # fractional max delay
    sfn_lease_retry = { interval_seconds = 0 }     # interval below one
  }

  expect_failures = [var.sfn_task_retry, var.sfn_lease_retry]
}

run "rejects_a_task_max_delay_over_the_limit_and_a_lease_retry_without_attempts" {
  command = plan

  variables {
    sfn_task_retry  = { max_delay_seconds = 31622401 } # max delay over the limit
    sfn_lease_retry = { max_attempts = 0 }             # without attempts
  }

  expect_failures = [var.sfn_task_retry, var.sfn_lease_retry]
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
