data "aws_partition" "current" {
  count = local.create_lambda ? 1 : 0
}

locals {
  result_path   = var.sfn_lease_result_path
  lease_id_path = coalesce(var.sfn_lease_id_jsonpath, "${var.sfn_lease_result_path}.lease_id")
  invoke        = local.create_lambda ? "arn:${data.aws_partition.current[0].partition}:states:::lambda:invoke" : null
  function_arn  = local.create_lambda ? aws_lambda_function.this[0].arn : null

  state_names = [var.sfn_acquire_lease_state_name, var.sfn_check_lease_state_name, var.sfn_wait_state_name, var.sfn_release_lease_state_name]

  # Lambda service faults and our typed transient error are safe to retry: acquire is idempotent
  # per owner and release is fenced by lease id.
  task_retry = [{
    ErrorEquals     = ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException", "LeaseManager.TransientFailure"]
    IntervalSeconds = var.sfn_task_retry.interval_seconds
    MaxAttempts     = var.sfn_task_retry.max_attempts
    BackoffRate     = var.sfn_task_retry.backoff_rate
    MaxDelaySeconds = var.sfn_task_retry.max_delay_seconds
    JitterStrategy  = "FULL"
  }]

  acquire_state = {
    Type     = "Task"
    Comment  = "Acquire a lease of pool '${var.lease_prefix}' (at most ${var.max_concurrent_leases} at once). Idempotent per execution and resource id."
    Resource = local.invoke
    Parameters = {
      FunctionName = local.function_arn
      Payload = {
        action          = "acquire"
        "resource_id.$" = var.sfn_resource_id_jsonpath
        "owner_id.$"    = "$$.Execution.Id"
        # 0 on a first attempt: one write. A retry looks up the lease an earlier attempt may have taken.
        "attempt.$" = "$$.State.RetryCount"
      }
    }
    ResultSelector = {
      "status.$"                = "$.Payload.status"
      "lease_id.$"              = "$.Payload.lease_id"
      "lease_expires_at.$"      = "$.Payload.lease_expires_at"
      "current_running.$"       = "$.Payload.current_running"
      "max_concurrent_leases.$" = "$.Payload.max_concurrent_leases"
    }
    ResultPath = local.result_path
    Retry      = local.task_retry
    Next       = var.sfn_check_lease_state_name
  }

  # Only "acquired" leads to the work; anything but "wait" fails the execution (States.NoChoiceMatched),
  # so work never runs without a lease.
  check_state = {
    Type    = "Choice"
    Comment = "Go on only with a lease."
    Choices = [
      { Variable = "${local.result_path}.status", StringEquals = "acquired", Next = var.sfn_post_acquire_lease_state },
      { Variable = "${local.result_path}.status", StringEquals = "wait", Next = var.sfn_wait_state_name },
    ]
  }

  wait_state = {
    Type    = "Wait"
    Comment = "The pool is full: ask again shortly."
    Seconds = var.sfn_wait_seconds
    Next    = var.sfn_acquire_lease_state_name
  }

  release_state = merge(
    {
      Type     = "Task"
      Comment  = "Release the lease (fenced by lease id; releasing twice is harmless)."
      Resource = local.invoke
      Parameters = {
        FunctionName = local.function_arn
        Payload = {
          action       = "release"
          "lease_id.$" = local.lease_id_path
        }
      }
      ResultSelector = {
        "status.$"   = "$.Payload.status"
        "lease_id.$" = "$.Payload.lease_id"
        "released.$" = "$.Payload.released"
      }
      ResultPath = var.sfn_release_lease_result_path
      Retry      = local.task_retry
    },
    # Through JSON, so "End" stays a boolean: a plain conditional would unify {End = true} and
    # {Next = "..."} into map(string) and render "End": "true", which Step Functions rejects.
    jsondecode(var.end_state_after_release_lease ? jsonencode({ End = true }) : jsonencode({ Next = var.sfn_post_release_lease_state })),
  )

  fragments = local.create_lambda ? {
    acquire = jsonencode({
      (var.sfn_acquire_lease_state_name) = local.acquire_state
      (var.sfn_check_lease_state_name)   = local.check_state
      (var.sfn_wait_state_name)          = local.wait_state
    })
    check   = jsonencode({ (var.sfn_check_lease_state_name) = local.check_state })
    wait    = jsonencode({ (var.sfn_wait_state_name) = local.wait_state })
    release = jsonencode({ (var.sfn_release_lease_state_name) = local.release_state })
  } : null
}
