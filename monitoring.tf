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

  dashboard_widgets = [
    {
      type = "metric", x = 0, y = 0, width = 12, height = 6
      properties = {
        title  = "Leases held vs limit"
        view   = "timeSeries"
        region = local.create_dashboard ? data.aws_region.monitoring[0].name : null
        stat   = "Maximum"
        period = 60
        metrics = [
          concat([local.metrics_namespace, "ActiveLeases"], local.pool_dimensions, [{ label = "held (seen by acquires)" }]),
          concat([local.metrics_namespace, "LeaseLimit"], local.pool_dimensions, [{ label = "limit" }]),
        ]
        yAxis = { left = { min = 0 } }
      }
    },
    {
      type = "metric", x = 12, y = 0, width = 12, height = 6
      properties = {
        title  = "Grants, waits and releases"
        view   = "timeSeries"
        region = local.create_dashboard ? data.aws_region.monitoring[0].name : null
        stat   = "Sum"
        period = 60
        metrics = [
          concat([local.metrics_namespace, "LeaseAcquired"], local.pool_dimensions, [{ label = "granted" }]),
          concat([local.metrics_namespace, "LeaseWait"], local.pool_dimensions, [{ label = "answered wait" }]),
          concat([local.metrics_namespace, "LeaseReleased"], local.pool_dimensions, [{ label = "released" }]),
        ]
      }
    },
    {
      type = "metric", x = 0, y = 6, width = 12, height = 6
      properties = {
        title  = "Leases that ended without a release"
        view   = "timeSeries"
        region = local.create_dashboard ? data.aws_region.monitoring[0].name : null
        stat   = "Sum"
        period = 300
        metrics = [
          concat([local.metrics_namespace, "LeaseReclaimedExpired"], local.pool_dimensions, [{ label = "expired, taken over" }]),
          concat([local.metrics_namespace, "LeaseReclaimedAfterExecutionEnd"], local.pool_dimensions, [{ label = "reclaimed after the execution ended" }]),
        ]
      }
    },
    {
      type = "log", x = 12, y = 6, width = 12, height = 6
      properties = {
        title  = "Errors by type"
        view   = "table"
        region = local.create_dashboard ? data.aws_region.monitoring[0].name : null
        query  = "SOURCE '/aws/lambda/${local.function_name}' | filter ispresent(error_type) | stats count(*) as errors by error_type | sort errors desc"
      }
    },
    {
      type = "metric", x = 0, y = 12, width = 24, height = 6
      properties = {
        title  = "The function (AWS/Lambda)"
        view   = "timeSeries"
        region = local.create_dashboard ? data.aws_region.monitoring[0].name : null
        period = 60
        metrics = [
          ["AWS/Lambda", "Invocations", "FunctionName", local.function_name, { stat = "Sum" }],
          ["AWS/Lambda", "Errors", "FunctionName", local.function_name, { stat = "Sum" }],
          ["AWS/Lambda", "Throttles", "FunctionName", local.function_name, { stat = "Sum" }],
          ["AWS/Lambda", "Duration", "FunctionName", local.function_name, { stat = "p99", yAxis = "right" }],
        ]
      }
    },
  ]
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

resource "aws_cloudwatch_metric_alarm" "expired_leases" {
  count = local.create_alarms ? 1 : 0

  alarm_name          = "${local.function_name}-leases-expired-unreleased"
  alarm_description   = "Leases of pool '${var.lease_prefix}' expired without ReleaseLease (a crashed or stuck holder kept its slot until expiry)."
  namespace           = local.metrics_namespace
  metric_name         = "LeaseReclaimedExpired"
  dimensions          = { Service = var.powertools_configuration.service_name, function_name = local.function_name }
  statistic           = "Sum"
  period              = var.alarm_period_seconds
  evaluation_periods  = 1
  threshold           = var.alarm_expired_leases_threshold
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "unexpected_errors" {
  count = local.create_alarms ? 1 : 0

  alarm_name          = "${local.function_name}-unexpected-errors"
  alarm_description   = "The lease manager of pool '${var.lease_prefix}' failed with ${join(", ", local.unexpected_error_types)}: see the function's log group."
  namespace           = local.metrics_namespace
  metric_name         = local.unexpected_errors_metric
  dimensions          = { function_name = local.function_name }
  statistic           = "Sum"
  period              = var.alarm_period_seconds
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}
