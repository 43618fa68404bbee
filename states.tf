data "aws_partition" "current" {
  count = local.create_lambda ? 1 : 0
}

locals {
  result_path    = var.sfn_lease_result_path
  lease_id_path  = coalesce(var.sfn_lease_id_jsonpath, "${var.sfn_lease_result_path}.lease_id")
  invoke         = local.create_lambda ? "arn:${data.aws_partition.current[0].partition}:states:::lambda:invoke" : null
  function_arn   = local.create_lambda ? aws_lambda_function.this[0].arn : null
  retry_strategy = var.sfn_wait_strategy == "retry"
  use_jsonata    = var.sfn_query_language == "JSONata"

  state_names = concat(
    [var.sfn_acquire_lease_state_name, var.sfn_check_lease_state_name, var.sfn_wait_state_name, var.sfn_release_lease_state_name],
    var.sfn_post_renew_lease_state == null ? [] : [var.sfn_renew_lease_state_name],
  )

  # Safe to retry, because acquire is idempotent per owner (a retry looks its lease up first), release
  # is fenced by lease id and renew sets an absolute expiry:
  # - AWS's recommended retrier for Lambda tasks (Lambda.ClientExecutionTimeoutException first), and
  #   Lambda.TooManyRequestsException (concurrency exhausted);
  # - the function running past its timeout: Sandbox.Timedout, the errorType Lambda gives a timed-out
  #   invocation, and Lambda.Unknown, under which Step Functions' docs report unhandled Lambda errors
  #   ("function timeouts" and out-of-memory). The write may have landed before the time ran out;
  #   the retry finds it instead of taking a second lease;
  # - our typed transient error (throttling, contention, 5xx after the SDK's own retries).
  task_retry = [{
    ErrorEquals = [
      "Lambda.ClientExecutionTimeoutException", "Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException",
      "Lambda.TooManyRequestsException", "Sandbox.Timedout", "Lambda.Unknown", "LeaseManager.TransientFailure",
    ]
    IntervalSeconds = var.sfn_task_retry.interval_seconds
    MaxAttempts     = var.sfn_task_retry.max_attempts
    BackoffRate     = var.sfn_task_retry.backoff_rate
    MaxDelaySeconds = var.sfn_task_retry.max_delay_seconds
    JitterStrategy  = "FULL"
  }]

  # The retry strategy: a full pool is an error the Task retries with backoff and full jitter, one
  # state transition per attempt. Step Functions counts $$.State.RetryCount across both retriers, so
  # every retry looks up the owner's lease first (an earlier attempt may have taken one).
  acquire_retry = concat(local.task_retry, local.retry_strategy ? [{
    ErrorEquals     = ["LeaseManager.LeaseUnavailable"]
    IntervalSeconds = var.sfn_lease_retry.interval_seconds
    MaxAttempts     = var.sfn_lease_retry.max_attempts
    BackoffRate     = var.sfn_lease_retry.backoff_rate
    MaxDelaySeconds = var.sfn_lease_retry.max_delay_seconds
    JitterStrategy  = "FULL"
  }] : [])

  acquire_comment = "Acquire a lease of pool '${var.lease_prefix}' (at most ${var.max_concurrent_leases} at once). Idempotent per execution and resource id.${local.retry_strategy ? " A full pool is retried (LeaseManager.LeaseUnavailable) and fails the execution once the retries run out." : ""}${local.callback_strategy ? " A full pool, or executions already queued, leads to ${var.sfn_wait_state_name}, which queues for the next free slot." : ""}"
  acquire_fields  = ["status", "lease_id", "lease_expires_at", "current_running", "max_concurrent_leases"]
  release_fields  = ["status", "lease_id", "released"]
  renew_fields    = ["status", "lease_id", "lease_expires_at"]

  # The payload fields every acquire sends; the two forms below only differ in how they read them.
  acquire_constants = merge({ action = "acquire" }, local.retry_strategy ? { fail_if_unavailable = true } : {})

  # Through JSON, so "End" stays a boolean: a plain conditional would unify {End = true} and
  # {Next = "..."} into map(string) and render "End": "true", which Step Functions rejects.
  release_transition = jsondecode(var.end_state_after_release_lease ? jsonencode({ End = true }) : jsonencode({ Next = var.sfn_post_release_lease_state }))

  ##############################################################################
  # One base object per state; only the query-language part differs (merged on top below)
  ##############################################################################

  state_base = {
    acquire = {
      Type     = "Task"
      Comment  = local.acquire_comment
      Resource = local.invoke
      Retry    = local.acquire_retry
      Next     = var.sfn_check_lease_state_name
    }

    # Only "acquired" leads to the work; anything else ("wait" only with the poll and callback
    # strategies) fails the execution with States.NoChoiceMatched, so work never runs without a lease.
    check = {
      Type    = "Choice"
      Comment = "Go on only with a lease."
    }

    wait = {
      Type    = "Wait"
      Comment = "The pool is full: ask again shortly."
      Seconds = var.sfn_wait_seconds
      Next    = var.sfn_acquire_lease_state_name
    }

    # The callback strategy's waiting state (named sfn_wait_state_name like the poll Wait it
    # replaces): queue the task token; the lease manager completes the Task with the lease when a
    # slot is handed to this execution. The output replaces the Payload wrapper of lambda:invoke.
    queue = {
      Type           = "Task"
      Comment        = "The pool is full or others queue before us: wait in line (first in, first out within a priority). The lease manager completes this task with the lease (SendTaskSuccess) once a slot is handed to this execution; on timeout the task asks again and keeps its place."
      Resource       = local.invoke_wait
      TimeoutSeconds = var.sfn_callback_timeout_seconds
      Retry          = local.queue_retry
      Next           = var.sfn_post_acquire_lease_state
    }

    release = merge({
      Type     = "Task"
      Comment  = "Release the lease (fenced by lease id; releasing twice is harmless)."
      Resource = local.invoke
      Retry    = local.task_retry
    }, local.release_transition)

    renew = {
      Type     = "Task"
      Comment  = "Extend the lease to max_lease_duration_seconds from now. Fails with LeaseManager.LeaseLost when it already expired or was released: stop the work."
      Resource = local.invoke
      Retry    = local.task_retry
      Next     = var.sfn_post_renew_lease_state
    }
  }

  ##############################################################################
  # JSONPath: Parameters in, ResultSelector/ResultPath out
  ##############################################################################

  jsonpath_overlay = {
    acquire = {
      Parameters = {
        FunctionName = local.function_arn
        Payload = merge(local.acquire_constants, {
          "resource_id.$" = var.sfn_resource_id_jsonpath
          "owner_id.$"    = "$$.Execution.Id"
          # 0 on a first attempt: one write. A retry looks up the lease an earlier attempt may have taken.
          "attempt.$" = "$$.State.RetryCount"
        })
      }
      ResultSelector = { for f in local.acquire_fields : "${f}.$" => "$.Payload.${f}" }
      ResultPath     = local.result_path
    }

    check = {
      Choices = concat(
        [{ Variable = "${local.result_path}.status", StringEquals = "acquired", Next = var.sfn_post_acquire_lease_state }],
        local.retry_strategy ? [] : [{ Variable = "${local.result_path}.status", StringEquals = "wait", Next = var.sfn_wait_state_name }],
      )
    }

    wait = {}

    queue = {
      Parameters = {
        FunctionName = local.function_arn
        Payload = merge(local.queue_constants, {
          "task_token.$"  = "$$.Task.Token"
          "owner_id.$"    = "$$.Execution.Id"
          "resource_id.$" = var.sfn_resource_id_jsonpath
        }, var.sfn_priority_jsonpath == null ? {} : { "priority.$" = var.sfn_priority_jsonpath })
      }
      # SendTaskSuccess's output is the acquire answer itself: the same fields, without Payload.
      ResultSelector = { for f in local.acquire_fields : "${f}.$" => "$.${f}" }
      ResultPath     = local.result_path
    }

    release = {
      Parameters = {
        FunctionName = local.function_arn
        Payload      = { action = "release", "lease_id.$" = local.lease_id_path }
      }
      ResultSelector = { for f in local.release_fields : "${f}.$" => "$.Payload.${f}" }
      ResultPath     = var.sfn_release_lease_result_path
    }

    renew = {
      Parameters = {
        FunctionName = local.function_arn
        Payload      = { action = "renew", "lease_id.$" = local.lease_id_path }
      }
      ResultSelector = { for f in local.renew_fields : "${f}.$" => "$.Payload.${f}" }
      ResultPath     = var.sfn_renew_lease_result_path
    }
  }

  ##############################################################################
  # JSONata: the same calls, the answers in the workflow variable $<sfn_lease_variable_name>
  ##############################################################################

  lease_var = format("$%s", var.sfn_lease_variable_name)

  # "$.a.b" reads the same value as "$states.input.a.b"; anything fancier needs sfn_resource_id_jsonata.
  resource_id_jsonata = coalesce(
    var.sfn_resource_id_jsonata,
    can(regex("^\\$(\\.[A-Za-z_][A-Za-z0-9_]*)*$", var.sfn_resource_id_jsonpath)) ? "$states.input${substr(var.sfn_resource_id_jsonpath, 1, -1)}" : "null",
  )
  resource_id_jsonata_known = var.sfn_resource_id_jsonata != null || can(regex("^\\$(\\.[A-Za-z_][A-Za-z0-9_]*)*$", var.sfn_resource_id_jsonpath))

  # {% $states.result.Payload.{'status': status, ...} %}: the answer's fields, as ResultSelector picks them
  # (the callback Task's result is the answer itself, without Payload).
  select_jsonata = { for name, picked in {
    acquire = { result = "$states.result.Payload", fields = local.acquire_fields }
    queue   = { result = "$states.result", fields = local.acquire_fields }
    release = { result = "$states.result.Payload", fields = local.release_fields }
    } : name => "${picked.result}.{${join(", ", [for f in picked.fields : "'${f}': ${f}"])}}"
  }

  jsonata_overlay = {
    acquire = {
      QueryLanguage = "JSONata"
      Arguments = {
        FunctionName = local.function_arn
        Payload = merge(local.acquire_constants, {
          resource_id = "{% ${local.resource_id_jsonata} %}"
          owner_id    = "{% $states.context.Execution.Id %}"
          attempt     = "{% $states.context.State.RetryCount %}"
        })
      }
      Assign = { (var.sfn_lease_variable_name) = "{% ${local.select_jsonata.acquire} %}" }
      Output = "{% $states.input %}"
    }

    check = {
      QueryLanguage = "JSONata"
      Choices = concat(
        [{ Condition = "{% ${local.lease_var}.status = 'acquired' %}", Next = var.sfn_post_acquire_lease_state }],
        local.retry_strategy ? [] : [{ Condition = "{% ${local.lease_var}.status = 'wait' %}", Next = var.sfn_wait_state_name }],
      )
    }

    wait = { QueryLanguage = "JSONata" }

    queue = {
      QueryLanguage = "JSONata"
      Arguments = {
        FunctionName = local.function_arn
        Payload = merge(local.queue_constants, {
          task_token  = "{% $states.context.Task.Token %}"
          owner_id    = "{% $states.context.Execution.Id %}"
          resource_id = "{% ${local.resource_id_jsonata} %}"
        }, local.priority_jsonata == null ? {} : { priority = "{% ${local.priority_jsonata} %}" })
      }
      Assign = { (var.sfn_lease_variable_name) = "{% ${local.select_jsonata.queue} %}" }
      Output = "{% $states.input %}"
    }

    release = {
      QueryLanguage = "JSONata"
      Arguments = {
        FunctionName = local.function_arn
        Payload      = { action = "release", lease_id = "{% ${local.lease_var}.lease_id %}" }
      }
      Assign = { (var.sfn_lease_variable_name) = "{% ${local.select_jsonata.release} %}" }
      Output = "{% $states.input %}"
    }

    renew = {
      QueryLanguage = "JSONata"
      Arguments = {
        FunctionName = local.function_arn
        Payload      = { action = "renew", lease_id = "{% ${local.lease_var}.lease_id %}" }
      }
      Assign = { (var.sfn_lease_variable_name) = "{% $merge([${local.lease_var}, {'status': $states.result.Payload.status, 'lease_expires_at': $states.result.Payload.lease_expires_at}]) %}" }
      Output = "{% $states.input %}"
    }
  }

  # Through JSON: the two overlays are objects of different types, which a conditional cannot unify.
  overlay = jsondecode(local.use_jsonata ? jsonencode(local.jsonata_overlay) : jsonencode(local.jsonpath_overlay))
  states  = { for name, base in local.state_base : name => merge(base, local.overlay[name]) }

  fragments = local.create_lambda ? {
    acquire = jsonencode(merge(
      {
        (var.sfn_acquire_lease_state_name) = local.states.acquire
        (var.sfn_check_lease_state_name)   = local.states.check
      },
      local.retry_strategy ? {} : { (var.sfn_wait_state_name) = local.waiting_state },
    ))
    check   = jsonencode({ (var.sfn_check_lease_state_name) = local.states.check })
    wait    = local.retry_strategy ? null : jsonencode({ (var.sfn_wait_state_name) = local.waiting_state })
    release = jsonencode({ (var.sfn_release_lease_state_name) = local.states.release })
    renew   = var.sfn_post_renew_lease_state == null ? null : jsonencode({ (var.sfn_renew_lease_state_name) = local.states.renew })
  } : null
}
