# The operator's view in CloudWatch: a dashboard and alarms over the metrics the function writes in
# Embedded Metric Format (namespace and Service from powertools_configuration; every metric is also
# written with the function_name dimension, so one pool's series are its own even when several pools
# share a service name) and over its log group (errors by type).

data "aws_region" "monitoring" {
  count = local.create_dashboard ? 1 : 0
}

locals {
  create_dashboard = local.create_lambda && var.create_dashboard
  create_alarms    = local.create_lambda && var.create_alarms
  alarm_actions    = var.alarm_sns_topic_arn == null ? [] : [var.alarm_sns_topic_arn]

  metrics_namespace = var.powertools_configuration.metrics_namespace
  pool_dimensions   = ["Service", var.powertools_configuration.service_name, "function_name", local.function_name]

  # Error types the exported states handle themselves: a Retry (TransientFailure, and LeaseUnavailable
  # with the retry strategy) or a Catch the workflow owns (LeaseLost after a renewal came too late).
  # Every other LeaseManager.* error means a fault an operator has to look at.
  expected_error_types     = ["LeaseManager.LeaseUnavailable", "LeaseManager.LeaseLost", "LeaseManager.TransientFailure"]
  unexpected_error_types   = ["LeaseManager.InvalidRequest", "LeaseManager.ConfigurationError", "LeaseManager.InternalError"]
  unexpected_errors_metric = "UnexpectedErrors"

  region = local.create_dashboard ? data.aws_region.monitoring[0].name : null

  # The pool's own series, one widget each row (series label by metric name).
  pool_widgets = concat([
    { title = "Leases held vs limit", stat = "Maximum", period = 60, metrics = { ActiveLeases = "held (seen by acquires)", LeaseLimit = "limit" } },
    { title = "Grants, waits and releases", stat = "Sum", period = 60, metrics = { LeaseAcquired = "granted", LeaseWait = "answered wait", LeaseReleased = "released" } },
    { title = "Leases that ended without a release", stat = "Sum", period = 300, metrics = { LeaseReclaimedExpired = "expired, taken over", LeaseReclaimedAfterExecutionEnd = "reclaimed after the execution ended" } },
    ], var.sfn_wait_strategy != "callback" ? [] : [
    { title = "The queue (callback strategy)", stat = "Sum", period = 60, metrics = { LeaseQueued = "queued", LeaseHandedOff = "handed off", LeaseWaitersGone = "waiter gone (grant passed on)" } },
    { title = "Waiting (per sweep)", stat = "Maximum", period = 60, metrics = { LeaseWaiters = "queued executions", LeaseOldestWaiterAgeSeconds = "oldest wait (s)" } },
  ])
  pool_widget_rows = ceil(length(local.pool_widgets) / 2)

  dashboard_widgets = concat(
    [for i, w in local.pool_widgets : {
      type = "metric", x = 12 * (i % 2), y = 6 * floor(i / 2), width = 12, height = 6
      properties = {
        title   = w.title
        view    = "timeSeries"
        region  = local.region
        stat    = w.stat
        period  = w.period
        metrics = [for name, label in w.metrics : concat([local.metrics_namespace, name], local.pool_dimensions, [{ label = label }])]
        yAxis   = { left = { min = 0 } }
      }
    }],
    [
      {
        type = "log", x = 0, y = 6 * local.pool_widget_rows, width = 24, height = 6
        properties = {
          title  = "Errors by type"
          view   = "table"
          region = local.region
          query  = "SOURCE '/aws/lambda/${local.function_name}' | filter ispresent(error_type) | stats count(*) as errors by error_type | sort errors desc"
        }
      },
      {
        type = "metric", x = 0, y = 6 * local.pool_widget_rows + 6, width = 24, height = 6
        properties = {
          title  = "The function (AWS/Lambda)"
          view   = "timeSeries"
          region = local.region
          period = 60
          metrics = [for name, stat in { Invocations = "Sum", Errors = "Sum", Throttles = "Sum", Duration = "p99" } :
          ["AWS/Lambda", name, "FunctionName", local.function_name, { stat = stat }]]
        }
      },
    ],
  )
}

resource "aws_cloudwatch_dashboard" "this" {
  count = local.create_dashboard ? 1 : 0

  dashboard_name = "${local.function_name}-pool"
  dashboard_body = jsonencode({ widgets = local.dashboard_widgets })

  lifecycle {
    precondition {
      condition     = !var.powertools_configuration.metrics_disabled
      error_message = "create_dashboard needs the function's metrics: powertools_configuration.metrics_disabled must be false."
    }
  }
}

# Unexpected errors, counted from the function's log lines (each failed invocation logs its
# error_type): Lambda's own Errors metric also counts the errors the states handle by design.
resource "aws_cloudwatch_log_metric_filter" "unexpected_errors" {
  count = local.create_alarms ? 1 : 0

  name           = "${local.function_name}-unexpected-errors"
  log_group_name = aws_cloudwatch_log_group.lambda[0].name
  pattern        = "{ ${join(" || ", [for t in local.unexpected_error_types : "$.error_type = \"${t}\""])} }"

  metric_transformation {
    name       = local.unexpected_errors_metric
    namespace  = local.metrics_namespace
    value      = "1"
    dimensions = { function_name = "$.function_name" }
  }
}

# The pool's alarms, one definition each; everything else about them is the same.
locals {
  pool_alarm_dimensions = { Service = var.powertools_configuration.service_name, function_name = local.function_name }

  alarms = {
    expired_leases = {
      create      = true
      name        = "leases-expired-unreleased"
      description = "Leases of pool '${var.lease_prefix}' expired without ReleaseLease (a crashed or stuck holder kept its slot until expiry)."
      metric_name = "LeaseReclaimedExpired"
      dimensions  = local.pool_alarm_dimensions
      statistic   = "Sum"
      threshold   = var.alarm_expired_leases_threshold
      comparison  = "GreaterThanOrEqualToThreshold"
    }
    unexpected_errors = {
      create      = true
      name        = "unexpected-errors"
      description = "The lease manager of pool '${var.lease_prefix}' failed with ${join(", ", local.unexpected_error_types)}: see the function's log group."
      metric_name = local.unexpected_errors_metric
      dimensions  = { function_name = local.function_name } # the log metric filter's only dimension
      statistic   = "Sum"
      threshold   = 1
      comparison  = "GreaterThanOrEqualToThreshold"
    }
    # The sweep (callback strategy) measures the queue each period: a waiter queued this long means a
    # pool too small for its backlog, or slots held by leases nobody releases.
    oldest_waiter = {
      create      = local.callback_strategy
      name        = "oldest-waiter"
      description = "An execution has waited more than ${var.alarm_oldest_waiter_seconds} s for a lease of pool '${var.lease_prefix}': run the operator_command output to see who holds and who waits."
      metric_name = "LeaseOldestWaiterAgeSeconds"
      dimensions  = local.pool_alarm_dimensions
      statistic   = "Maximum"
      threshold   = var.alarm_oldest_waiter_seconds
      comparison  = "GreaterThanThreshold"
    }
  }

  # In the order the alarm_arns output lists them.
  alarm_order = ["expired_leases", "unexpected_errors", "oldest_waiter"]
  alarm_arns  = [for k in local.alarm_order : aws_cloudwatch_metric_alarm.this[k].arn if contains(keys(aws_cloudwatch_metric_alarm.this), k)]
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = { for k, a in local.alarms : k => a if local.create_alarms && a.create }

  alarm_name          = "${local.function_name}-${each.value.name}"
  alarm_description   = each.value.description
  namespace           = local.metrics_namespace
  metric_name         = each.value.metric_name
  dimensions          = each.value.dimensions
  statistic           = each.value.statistic
  period              = var.alarm_period_seconds
  evaluation_periods  = 1
  threshold           = each.value.threshold
  comparison_operator = each.value.comparison
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

# Each alarm used to be a resource of its own (with count): existing alarms move instead of being replaced.
moved {
  from = aws_cloudwatch_metric_alarm.expired_leases[0]
  to   = aws_cloudwatch_metric_alarm.this["expired_leases"]
}

moved {
  from = aws_cloudwatch_metric_alarm.unexpected_errors[0]
  to   = aws_cloudwatch_metric_alarm.this["unexpected_errors"]
}

moved {
  from = aws_cloudwatch_metric_alarm.oldest_waiter[0]
  to   = aws_cloudwatch_metric_alarm.this["oldest_waiter"]
}
