# The callback strategy's pieces of the fragments (states.tf holds the states themselves): the
# .waitForTaskToken resource, the queueing call's constants and priority, its retriers, and which
# state waits under the name sfn_wait_state_name.

locals {
  callback_strategy = var.sfn_wait_strategy == "callback"
  invoke_wait       = local.create_lambda ? "arn:${data.aws_partition.current[0].partition}:states:::lambda:invoke.waitForTaskToken" : null

  # .waitForTaskToken exists in Standard workflows only (Express supports request/response alone);
  # with sfn_on_busy "fail" or "skip" the queueing Task is not rendered.
  sfn_workflow_types = local.queues ? ["STANDARD"] : ["STANDARD", "EXPRESS"]

  # The lease a queued execution is handed lasts as long as one AcquireLease takes without asking.
  queue_constants = { action = "wait", lease_duration_seconds = var.max_lease_duration_seconds }

  # A timed-out wait (a lost notification, or simply sfn_callback_timeout_seconds of queueing) asks
  # again at once with a fresh token: the lease manager answers with the lease already handed to
  # this execution, or replaces the queued token and keeps its place. Every attempt adds several
  # events to the execution's history, which ends at 25,000 events: MaxAttempts = 25000 cannot run
  # out first, so only the history (or the execution's own timeout) bounds the wait. Then the same
  # transient-fault retrier AcquireLease has.
  queue_retry = concat([{
    ErrorEquals     = ["States.Timeout"]
    IntervalSeconds = 1
    MaxAttempts     = 25000
    BackoffRate     = 1
  }], local.task_retry)

  # "$.a.b" reads the same value as "$states.input.a.b"; anything fancier needs sfn_priority_jsonata.
  priority_path_plain = var.sfn_priority_jsonpath != null && can(regex("^\\$(\\.[A-Za-z_][A-Za-z0-9_]*)+$", coalesce(var.sfn_priority_jsonpath, "-")))
  priority_jsonata = (
    var.sfn_priority_jsonata != null ? var.sfn_priority_jsonata :
    local.priority_path_plain ? "$states.input${substr(coalesce(var.sfn_priority_jsonpath, "$"), 1, -1)}" : null
  )
  priority_jsonata_known = var.sfn_priority_jsonpath == null || var.sfn_priority_jsonata != null || local.priority_path_plain
  priority_set           = var.sfn_priority_jsonpath != null || var.sfn_priority_jsonata != null

  # Through JSON: the Wait and the Task are objects of different types, which a conditional cannot
  # unify (and poll renders exactly what it rendered before the callback strategy existed).
  waiting_state = local.waits_in_state ? jsondecode(local.queues ? jsonencode(local.states.queue) : jsonencode(local.states.wait)) : null
}
