# The operator's view in CloudWatch: a dashboard and alarms, off by default, reading the metric names
# and dimensions the function writes (src/LeaseManager.Lambda/Observability; NamesDefinedOnceTests
# checks the names here against the function's).

mock_provider "aws" {
  source = "./tests/terraform/mocks"
}

variables {
  name_prefix = "orders"
}

run "no_dashboard_and_no_alarms_by_default" {
  command = apply

  assert {
    condition = (length(aws_cloudwatch_dashboard.this) + length(aws_cloudwatch_metric_alarm.this)
    + length(aws_cloudwatch_log_metric_filter.unexpected_errors)) == 0
    error_message = "nothing is created unless asked"
  }

  assert {
    condition     = output.dashboard_name == null && output.alarm_arns == []
    error_message = "the outputs say so"
  }
}

run "the_dashboard_graphs_this_pools_series" {
  command = apply

  variables {
    create_dashboard         = true
    powertools_configuration = { service_name = "orders-leases", metrics_namespace = "Acme/Leases" }
  }

  assert {
    condition     = aws_cloudwatch_dashboard.this[0].dashboard_name == "orders-lease-manager-pool" && output.dashboard_name == "orders-lease-manager-pool"
    error_message = "one dashboard per pool, named after its function"
  }

  assert {
    # Every custom metric of the dashboard is in the function's namespace, with both dimensions of
    # the pool's own series (Service and function_name).
    condition = alltrue(flatten([
      for w in jsondecode(aws_cloudwatch_dashboard.this[0].dashboard_body).widgets : [
        for m in try(w.properties.metrics, []) : m[0] == "AWS/Lambda" ? m[2] == "FunctionName" && m[3] == "orders-lease-manager" : (
          m[0] == "Acme/Leases" && m[2] == "Service" && m[3] == "orders-leases" && m[4] == "function_name" && m[5] == "orders-lease-manager"
        )
      ]
    ]))
    error_message = "metric widgets must read this pool's series"
  }

  assert {
    condition = toset(flatten([
      for w in jsondecode(aws_cloudwatch_dashboard.this[0].dashboard_body).widgets : [for m in try(w.properties.metrics, []) : m[1] if m[0] == "Acme/Leases"]
    ])) == toset(["ActiveLeases", "LeaseLimit", "LeaseAcquired", "LeaseWait", "LeaseReleased", "LeaseReclaimedExpired", "LeaseReclaimedAfterExecutionEnd"])
    error_message = "held vs limit, grants/waits/releases, and leases that ended without a release"
  }

  assert {
    condition = one([
      for w in jsondecode(aws_cloudwatch_dashboard.this[0].dashboard_body).widgets : w.properties.query if w.type == "log"
    ]) == "SOURCE '/aws/lambda/orders-lease-manager' | filter ispresent(error_type) | stats count(*) as errors by error_type | sort errors desc"
    error_message = "errors by type come from the function's own log group"
  }

  assert {
    condition     = alltrue([for w in jsondecode(aws_cloudwatch_dashboard.this[0].dashboard_body).widgets : w.properties.region == "eu-central-1"])
    error_message = "every widget names the region"
  }

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.this) == 0
    error_message = "a dashboard alone creates no alarms"
  }
}

run "with_the_callback_strategy_the_dashboard_shows_the_queue" {
  command = apply

  variables {
    create_dashboard  = true
    sfn_wait_strategy = "callback"
  }

  assert {
    condition = toset(flatten([
      for w in jsondecode(aws_cloudwatch_dashboard.this[0].dashboard_body).widgets : [for m in try(w.properties.metrics, []) : m[1] if m[0] == "SfnConcurrencyLease"]
    ])) == toset(["ActiveLeases", "LeaseLimit", "LeaseAcquired", "LeaseWait", "LeaseReleased", "LeaseReclaimedExpired", "LeaseReclaimedAfterExecutionEnd", "LeaseQueued", "LeaseHandedOff", "LeaseWaitersGone", "LeaseWaiters", "LeaseOldestWaiterAgeSeconds"])
    error_message = "queued, handed off, waiters gone, and the queue's length and oldest wait"
  }

  assert {
    # No two widgets overlap on the dashboard's 24-column grid.
    condition     = length(distinct([for w in jsondecode(aws_cloudwatch_dashboard.this[0].dashboard_body).widgets : "${w.x},${w.y}"])) == length(jsondecode(aws_cloudwatch_dashboard.this[0].dashboard_body).widgets)
    error_message = "each widget has its own place"
  }
}

run "a_dashboard_needs_the_functions_metrics" {
  command = plan

  variables {
    create_dashboard         = true
    powertools_configuration = { metrics_disabled = true }
  }

  expect_failures = [aws_cloudwatch_dashboard.this]
}

run "alarms_notify_the_topic_on_expiries_and_unexpected_errors" {
  command = apply

  variables {
    create_alarms                  = true
    alarm_sns_topic_arn            = "arn:aws:sns:eu-central-1:123456789012:on-call"
    alarm_expired_leases_threshold = 3
    alarm_period_seconds           = 60
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.this["expired_leases"].metric_name == "LeaseReclaimedExpired"
      && aws_cloudwatch_metric_alarm.this["expired_leases"].namespace == "SfnConcurrencyLease"
      && aws_cloudwatch_metric_alarm.this["expired_leases"].dimensions == tomap({ Service = "lease-manager", function_name = "orders-lease-manager" })
      && aws_cloudwatch_metric_alarm.this["expired_leases"].threshold == 3 && aws_cloudwatch_metric_alarm.this["expired_leases"].period == 60
      && aws_cloudwatch_metric_alarm.this["expired_leases"].comparison_operator == "GreaterThanOrEqualToThreshold"
      && aws_cloudwatch_metric_alarm.this["expired_leases"].treat_missing_data == "notBreaching"
    )
    error_message = "the expiry alarm reads this pool's LeaseReclaimedExpired"
  }

  assert {
    condition = (
      aws_cloudwatch_log_metric_filter.unexpected_errors[0].log_group_name == "/aws/lambda/orders-lease-manager"
      && aws_cloudwatch_log_metric_filter.unexpected_errors[0].pattern == "{ $.error_type = \"LeaseManager.InvalidRequest\" || $.error_type = \"LeaseManager.ConfigurationError\" || $.error_type = \"LeaseManager.InternalError\" }"
      && aws_cloudwatch_log_metric_filter.unexpected_errors[0].metric_transformation[0].name == aws_cloudwatch_metric_alarm.this["unexpected_errors"].metric_name
      && aws_cloudwatch_log_metric_filter.unexpected_errors[0].metric_transformation[0].namespace == aws_cloudwatch_metric_alarm.this["unexpected_errors"].namespace
      && aws_cloudwatch_log_metric_filter.unexpected_errors[0].metric_transformation[0].dimensions == tomap({ function_name = "$.function_name" })
      && aws_cloudwatch_metric_alarm.this["unexpected_errors"].dimensions == tomap({ function_name = "orders-lease-manager" })
    )
    error_message = "the error alarm counts the unexpected error types from the function's log lines"
  }

  assert {
    condition = alltrue([for a in [aws_cloudwatch_metric_alarm.this["expired_leases"], aws_cloudwatch_metric_alarm.this["unexpected_errors"]] :
    a.alarm_actions == toset(["arn:aws:sns:eu-central-1:123456789012:on-call"]) && a.ok_actions == toset(["arn:aws:sns:eu-central-1:123456789012:on-call"])])
    error_message = "both alarms notify the topic when they fire and when they clear"
  }

  assert {
    condition     = length(output.alarm_arns) == 2
    error_message = "the alarms' ARNs are exported"
  }
}

run "an_alarm_topic_must_be_an_sns_arn" {
  command = plan

  variables {
    alarm_sns_topic_arn = "on-call"
  }

  expect_failures = [var.alarm_sns_topic_arn]
}

run "alarms_without_a_topic_only_change_state" {
  command = apply

  variables {
    create_alarms = true
  }

  assert {
    condition     = length(output.alarm_arns) == 2 && length(aws_cloudwatch_metric_alarm.this["expired_leases"].alarm_actions) == 0 && length(aws_cloudwatch_metric_alarm.this["unexpected_errors"].ok_actions) == 0
    error_message = "no topic, no actions"
  }
}

run "a_topic_alone_creates_no_alarms" {
  command = apply

  variables {
    alarm_sns_topic_arn = "arn:aws:sns:eu-central-1:123456789012:on-call"
  }

  assert {
    condition     = length(output.alarm_arns) == 0
    error_message = "alarms come with create_alarms"
  }
}

run "with_the_callback_strategy_an_alarm_watches_the_oldest_waiter" {
  command = apply

  variables {
    sfn_wait_strategy           = "callback"
    create_alarms               = true
    alarm_sns_topic_arn         = "arn:aws:sns:eu-central-1:123456789012:on-call"
    alarm_oldest_waiter_seconds = 600
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.this["oldest_waiter"].metric_name == "LeaseOldestWaiterAgeSeconds"
      && aws_cloudwatch_metric_alarm.this["oldest_waiter"].statistic == "Maximum"
      && aws_cloudwatch_metric_alarm.this["oldest_waiter"].threshold == 600
      && aws_cloudwatch_metric_alarm.this["oldest_waiter"].comparison_operator == "GreaterThanThreshold"
      && aws_cloudwatch_metric_alarm.this["oldest_waiter"].dimensions == tomap({ Service = "lease-manager", function_name = "orders-lease-manager" })
      && aws_cloudwatch_metric_alarm.this["oldest_waiter"].alarm_actions == toset(["arn:aws:sns:eu-central-1:123456789012:on-call"])
    )
    error_message = "the oldest-waiter alarm reads the sweep's gauge of this pool"
  }

  assert {
    condition     = length(output.alarm_arns) == 3
    error_message = "three alarms with the callback strategy"
  }
}

run "the_oldest_waiter_threshold_is_at_least_a_minute" {
  command = plan

  variables {
    alarm_oldest_waiter_seconds = 30
  }

  expect_failures = [var.alarm_oldest_waiter_seconds]
}
