# The callback strategy's sweep: every callback_sweep_interval_minutes EventBridge Scheduler invokes
# the lease manager with {"action":"sweep"}, which hands leases that expired unreleased (a crashed
# holder) to the heads of the queue. Nothing else would free such a slot before a waiter's own
# WaitForLease timeout re-asks. Scheduler invokes the function through its own role (no
# resource-based permission on the function is involved).

locals {
  create_sweep = local.create_lambda && local.callback_strategy && var.callback_sweep_enabled

  # EventBridge Scheduler spells one unit in the singular: rate(1 minute), rate(5 minutes).
  sweep_schedule_expression = "rate(${var.callback_sweep_interval_minutes} ${var.callback_sweep_interval_minutes == 1 ? "minute" : "minutes"})"
  sweep_input               = jsonencode({ action = "sweep" })

  # The account the function lives in, read from its ARN (no extra data source to mock or read).
  sweep_account_id = local.create_sweep ? split(":", aws_lambda_function.this[0].arn)[4] : null

  sweep_assume_role_policy = local.create_sweep ? {
    Version = "2012-10-17"
    Statement = [{
      Sid       = "SchedulerAssumeRole"
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "scheduler.amazonaws.com" }
      # Confused-deputy protection: only schedules of this account may use the role.
      Condition = { StringEquals = { "aws:SourceAccount" = local.sweep_account_id } }
    }]
  } : null
}

resource "aws_iam_role" "sweep" {
  count = local.create_sweep ? 1 : 0

  name               = "${local.function_name}-sweep"
  assume_role_policy = jsonencode(local.sweep_assume_role_policy)
  tags               = var.tags
}

resource "aws_iam_role_policy" "sweep" {
  count = local.create_sweep ? 1 : 0

  name   = "invoke-lease-manager-sweep"
  role   = aws_iam_role.sweep[0].id
  policy = local.invoke_policies.sweep
}

resource "aws_scheduler_schedule" "sweep" {
  count = local.create_sweep ? 1 : 0

  name                = "${local.function_name}-sweep"
  description         = "Hand expired leases of pool '${var.lease_prefix}' to queued executions"
  schedule_expression = local.sweep_schedule_expression
  state               = "ENABLED"

  # On time, not spread over a window: the interval is the documented bound.
  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_lambda_function.this[0].arn
    role_arn = aws_iam_role.sweep[0].arn
    input    = local.sweep_input

    # A sweep older than the interval is superseded by the next one; retry within it only.
    retry_policy {
      maximum_event_age_in_seconds = var.callback_sweep_interval_minutes * 60
      maximum_retry_attempts       = 2
    }
  }

  depends_on = [aws_iam_role_policy.sweep]
}
