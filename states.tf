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

  acquire_fields = ["status", "lease_id", "lease_expires_at", "current_running", "max_concurrent_leases", "limited_by"]
  release_fields = ["status", "lease_id", "released"]
  renew_fields   = ["status", "lease_id", "lease_expires_at"]

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

    # Only "acquired" leads to the work; "wait" leads to the waiting state when one is reachable
    # (states-keys.tf); anything else goes to sfn_post_skip_state with sfn_on_busy = "skip", or
    # fails the execution with States.NoChoiceMatched: work never runs without a lease.
    check = merge({
      Type    = "Choice"
      Comment = local.check_comment
    }, local.check_default)

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
        }, local.key_payload.jsonpath)
      }
      ResultSelector = { for f in local.acquire_fields : "${f}.$" => "$.Payload.${f}" }
      ResultPath     = local.result_path
    }

    check = {
      Choices = concat(
        [{ Variable = "${local.result_path}.status", StringEquals = "acquired", Next = var.sfn_post_acquire_lease_state }],
        local.check_wait.jsonpath,
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
        }, var.sfn_priority_jsonpath == null ? {} : { "priority.$" = var.sfn_priority_jsonpath }, local.key_payload.jsonpath)
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
        }, local.key_payload.jsonata)
      }
      Assign = { (var.sfn_lease_variable_name) = "{% ${local.select_jsonata.acquire} %}" }
      Output = "{% $states.input %}"
    }

    check = {
      QueryLanguage = "JSONata"
      Choices = concat(
        [{ Condition = "{% ${local.lease_var}.status = 'acquired' %}", Next = var.sfn_post_acquire_lease_state }],
        local.check_wait.jsonata,
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
        }, local.priority_jsonata == null ? {} : { priority = "{% ${local.priority_jsonata} %}" }, local.key_payload.jsonata)
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
      local.waits_in_state ? { (var.sfn_wait_state_name) = local.waiting_state } : {},
    ))
    check   = jsonencode({ (var.sfn_check_lease_state_name) = local.states.check })
    wait    = local.waits_in_state ? jsonencode({ (var.sfn_wait_state_name) = local.waiting_state }) : null
    release = jsonencode({ (var.sfn_release_lease_state_name) = local.states.release })
    renew   = var.sfn_post_renew_lease_state == null ? null : jsonencode({ (var.sfn_renew_lease_state_name) = local.states.renew })
  } : null
}
