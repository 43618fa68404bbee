# Reclaim on execution failure: Step Functions sends a "Step Functions Execution Status Change"
# event for every Standard execution; the rule forwards the failed, timed-out and aborted ones of the
# watched state machines to the lease manager, which releases what that execution still holds.
# EventBridge invokes the function through its resource policy: no role, no other permission.

locals {
  create_reclaim = local.create_lambda && var.reclaim_on_execution_failure

  # Each machine by exact ARN, and its Distributed Map child workflows (labelled
  # "stateMachine:<name>/<map run label>") by prefix.
  reclaim_event_pattern = jsonencode({
    source        = ["aws.states"]
    "detail-type" = ["Step Functions Execution Status Change"]
    detail = {
      status          = ["FAILED", "TIMED_OUT", "ABORTED"]
      stateMachineArn = flatten([for arn in var.reclaim_state_machine_arns : [arn, { prefix = "${arn}/" }]])
    }
  })
}

resource "aws_cloudwatch_event_rule" "reclaim" {
  count = local.create_reclaim ? 1 : 0

  name          = "${local.function_name}-reclaim"
  description   = "Release the leases of pool '${var.lease_prefix}' held by failed, timed-out or aborted executions"
  event_pattern = local.reclaim_event_pattern
  tags          = var.tags

  lifecycle {
    precondition {
      condition     = length(var.reclaim_state_machine_arns) > 0
      error_message = "reclaim_on_execution_failure needs reclaim_state_machine_arns: the state machines whose failed executions to reclaim."
    }
  }
}

resource "aws_cloudwatch_event_target" "reclaim" {
  count = local.create_reclaim ? 1 : 0

  rule      = aws_cloudwatch_event_rule.reclaim[0].name
  target_id = "lease-manager"
  arn       = aws_lambda_function.this[0].arn

  # A lost event only means the leases expire as they would without reclaim; retry delivery for
  # a while all the same.
  retry_policy {
    maximum_event_age_in_seconds = 3600
    maximum_retry_attempts       = 20
  }
}

resource "aws_lambda_permission" "reclaim" {
  count = local.create_reclaim ? 1 : 0

  statement_id  = "AllowReclaimRule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this[0].function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.reclaim[0].arn
}
