# The callback strategy's sweep: an EventBridge Scheduler schedule invoking the lease manager with
# {"action":"sweep"} through its own role, which may invoke exactly this function.

mock_provider "aws" {
  source = "./tests/terraform/mocks"
}

variables {
  sfn_wait_strategy = "callback"
}

run "callback_creates_a_one_minute_sweep" {
  command = apply

  assert {
    condition = (
      aws_scheduler_schedule.sweep[0].name == "concurrency-mgmt-lease-manager-sweep"
      && aws_scheduler_schedule.sweep[0].schedule_expression == "rate(1 minute)"
      && aws_scheduler_schedule.sweep[0].state == "ENABLED"
      && aws_scheduler_schedule.sweep[0].flexible_time_window[0].mode == "OFF"
    )
    error_message = "every minute, on time"
  }

  assert {
    condition = (
      aws_scheduler_schedule.sweep[0].target[0].arn == "arn:aws:lambda:eu-central-1:123456789012:function:concurrency-mgmt-lease-manager"
      && jsondecode(aws_scheduler_schedule.sweep[0].target[0].input) == { action = "sweep" }
      && aws_scheduler_schedule.sweep[0].target[0].role_arn == aws_iam_role.sweep[0].arn
    )
    error_message = "the target is the lease manager, with {\"action\":\"sweep\"}, through the sweep role"
  }

  assert {
    condition     = aws_scheduler_schedule.sweep[0].target[0].retry_policy[0].maximum_event_age_in_seconds == 60 && aws_scheduler_schedule.sweep[0].target[0].retry_policy[0].maximum_retry_attempts == 2
    error_message = "a sweep is retried only within its interval"
  }

  assert {
    condition = jsondecode(aws_iam_role.sweep[0].assume_role_policy) == {
      Version = "2012-10-17"
      Statement = [{
        Sid       = "SchedulerAssumeRole"
        Effect    = "Allow"
        Action    = "sts:AssumeRole"
        Principal = { Service = "scheduler.amazonaws.com" }
        Condition = { StringEquals = { "aws:SourceAccount" = "123456789012" } }
      }]
    }
    error_message = "only EventBridge Scheduler, of this account, assumes the role"
  }

  assert {
    condition = jsondecode(aws_iam_role_policy.sweep[0].policy) == {
      Version = "2012-10-17"
      Statement = [{
        Sid      = "InvokeLeaseManagerSweep"
        Effect   = "Allow"
        Action   = ["lambda:InvokeFunction"]
        Resource = ["arn:aws:lambda:eu-central-1:123456789012:function:concurrency-mgmt-lease-manager"]
      }]
    }
    error_message = "the role may invoke this function and nothing else"
  }

  assert {
    condition     = aws_iam_role.sweep[0].name == "concurrency-mgmt-lease-manager-sweep" && aws_iam_role_policy.sweep[0].role == aws_iam_role.sweep[0].id
    error_message = "the role is named like the module's other resources and carries the policy"
  }

  assert {
    condition     = output.sweep_schedule_arn == "arn:aws:scheduler:eu-central-1:123456789012:schedule/default/concurrency-mgmt-lease-manager-sweep" && output.sweep_schedule_role_arn == aws_iam_role.sweep[0].arn
    error_message = "the schedule and its role are outputs"
  }
}

run "interval_sets_the_rate_and_the_retry_window" {
  command = apply

  variables {
    callback_sweep_interval_minutes = 5
  }

  assert {
    condition     = aws_scheduler_schedule.sweep[0].schedule_expression == "rate(5 minutes)" && aws_scheduler_schedule.sweep[0].target[0].retry_policy[0].maximum_event_age_in_seconds == 300
    error_message = "rate(5 minutes), retried within 5 minutes"
  }
}

run "sweep_can_be_turned_off" {
  command = apply

  variables {
    callback_sweep_enabled = false
  }

  assert {
    condition     = length(aws_scheduler_schedule.sweep) + length(aws_iam_role.sweep) + length(aws_iam_role_policy.sweep) == 0 && output.sweep_schedule_arn == null
    error_message = "no schedule, no role"
  }

  assert {
    condition     = jsondecode(output.acquire_lease_state).WaitForLease.Resource == "arn:aws:states:::lambda:invoke.waitForTaskToken"
    error_message = "the strategy itself stays (the waiters' timeout re-ask still finds expired leases)"
  }
}

run "no_function_no_sweep" {
  command = apply

  variables {
    create_lambdas = false
    ddb_table_name = "shared-concurrency-leases"
  }

  assert {
    condition     = length(aws_scheduler_schedule.sweep) + length(aws_iam_role.sweep) == 0 && output.sweep_schedule_arn == null
    error_message = "the sweep belongs to the function the module creates"
  }
}
