# The acquire Task's pieces that depend on the concurrency key and on what a busy pool does
# (states.tf holds the states themselves): the key each acquire sends in either query language,
# fail_if_unavailable and the LeaseUnavailable retrier, the Choice rules, and so which waiting
# states are reachable at all (only those are rendered).

locals {
  # sfn_on_busy picks the behaviour; sfn_wait_strategy only says how "wait" waits.
  busy_waits      = var.sfn_on_busy == "wait"
  skip_when_busy  = var.sfn_on_busy == "skip"
  retry_when_busy = local.busy_waits && local.retry_strategy
  # The Wait (poll) or the queueing Task (callback) is reachable only when a busy acquire waits in a state.
  waits_in_state = local.busy_waits && !local.retry_strategy
  queues         = local.waits_in_state && local.callback_strategy
  # A busy acquire raises LeaseManager.LeaseUnavailable: retried by the retry strategy, final with "fail".
  fail_when_busy = var.sfn_on_busy == "fail" || local.retry_when_busy

  # The key of the query language in use. "$.a.b" reads the same value as "$states.input.a.b";
  # anything fancier needs sfn_concurrency_key_jsonata.
  key_path_plain = var.sfn_concurrency_key_jsonpath != null && can(regex("^\\$(\\.[A-Za-z_][A-Za-z0-9_]*)+$", coalesce(var.sfn_concurrency_key_jsonpath, "-")))
  key_jsonata = (
    var.sfn_concurrency_key_jsonata != null ? var.sfn_concurrency_key_jsonata :
    local.key_path_plain ? "$states.input${substr(coalesce(var.sfn_concurrency_key_jsonpath, "$"), 1, -1)}" : null
  )
  keys_on           = local.use_jsonata ? local.key_jsonata != null : var.sfn_concurrency_key_jsonpath != null
  key_given         = var.sfn_concurrency_key_jsonpath != null || var.sfn_concurrency_key_jsonata != null
  key_jsonata_known = !local.use_jsonata || var.sfn_concurrency_key_jsonpath == null || local.key_jsonata != null

  # What the acquire and the queueing Task (callback strategy) add to their payloads.
  key_payload = {
    jsonpath = var.sfn_concurrency_key_jsonpath == null ? {} : { "concurrency_key.$" = var.sfn_concurrency_key_jsonpath }
    jsonata  = local.key_jsonata == null ? {} : { concurrency_key = "{% ${local.key_jsonata} %}" }
  }

  # The lease manager's per-key limits, as its environment carries them.
  key_limits = local.keys_on ? var.max_concurrent_leases_per_key_overrides : {}

  # The payload fields every acquire sends; the two forms in states.tf only differ in how they read them.
  acquire_constants = merge({ action = "acquire" }, local.fail_when_busy ? { fail_if_unavailable = true } : {})

  # The retry strategy: a full pool is an error the Task retries with backoff and full jitter, one
  # state transition per attempt. Step Functions counts $$.State.RetryCount across both retriers, so
  # every retry looks up the owner's lease first (an earlier attempt may have taken one). With
  # sfn_on_busy = "fail" there is no such retrier: the error ends the Task.
  acquire_retry = concat(local.task_retry, local.retry_when_busy ? [{
    ErrorEquals     = ["LeaseManager.LeaseUnavailable"]
    IntervalSeconds = var.sfn_lease_retry.interval_seconds
    MaxAttempts     = var.sfn_lease_retry.max_attempts
    BackoffRate     = var.sfn_lease_retry.backoff_rate
    MaxDelaySeconds = var.sfn_lease_retry.max_delay_seconds
    JitterStrategy  = "FULL"
  }] : [])

  acquire_comment = join("", [
    "Acquire a lease of pool '${var.lease_prefix}' (at most ${var.max_concurrent_leases} at once${local.keys_on ? ", at most ${coalesce(var.max_concurrent_leases_per_key, 0)} per concurrency key" : ""}). Idempotent per execution and resource id.",
    local.retry_when_busy ? " A full pool is retried (LeaseManager.LeaseUnavailable) and fails the execution once the retries run out." : "",
    local.queues ? " A full pool, or executions already queued, leads to ${var.sfn_wait_state_name}, which queues for the next free slot." : "",
    var.sfn_on_busy == "fail" ? " A full pool${local.keys_on ? " or key" : ""} fails this Task with LeaseManager.LeaseUnavailable (not retried)." : "",
    local.skip_when_busy ? " A full pool${local.keys_on ? " or key" : ""} skips the work (${coalesce(var.sfn_post_skip_state, "-")}): no lease is taken." : "",
  ])

  check_comment = local.skip_when_busy ? "Go on only with a lease; without one, skip the work." : "Go on only with a lease."

  # The Choice's routes besides "acquired": "wait" to the waiting state, or everything else to the
  # skip state (the Choice's Default); with neither, any other answer fails with States.NoChoiceMatched.
  check_default = local.skip_when_busy ? { Default = var.sfn_post_skip_state } : {}
  check_wait = {
    jsonpath = local.waits_in_state ? [{ Variable = "${local.result_path}.status", StringEquals = "wait", Next = var.sfn_wait_state_name }] : []
    jsonata  = local.waits_in_state ? [{ Condition = "{% ${local.lease_var}.status = 'wait' %}", Next = var.sfn_wait_state_name }] : []
  }
}
