################################################################################
# The callback wait strategy (sfn_wait_strategy = "callback")
################################################################################

variable "sfn_callback_timeout_seconds" {
  description = "With sfn_wait_strategy = \"callback\": TimeoutSeconds of the WaitForLease Task (.waitForTaskToken). When it runs out, the Task asks again with a fresh task token (its Retry on States.Timeout), and the lease manager answers at once with a lease already handed to the execution, or keeps its place in the queue. It bounds how long a lost notification (the function stopped between the hand-off write and SendTaskSuccess) delays a waiter, and, with the sweep schedule off, how soon an expired lease of a crashed holder reaches the queue. Each period costs a waiting execution one more Lambda invocation and about 4 history events, so an execution can wait about 6,000 periods (Step Functions' 25,000-event history): 4 days with the default."
  type        = number
  default     = 60

  validation {
    # At least as long as the function may take to queue the execution: a timeout that runs out
    # while the queueing call is still running only makes the Task ask again.
    condition     = var.sfn_callback_timeout_seconds >= 10 && var.sfn_callback_timeout_seconds <= 86400 && floor(var.sfn_callback_timeout_seconds) == var.sfn_callback_timeout_seconds
    error_message = "sfn_callback_timeout_seconds must be a whole number from 10 to 86400."
  }
}

variable "sfn_priority_jsonpath" {
  description = "With sfn_wait_strategy = \"callback\": JSONPath (in the state input) of a whole number from 0 to 1000, the execution's priority in the queue. Higher priorities are served first; within a priority, first in, first out. It must exist in every input that reaches WaitForLease. null: every execution has priority 0 (plain first in, first out)."
  type        = string
  default     = null

  validation {
    condition     = var.sfn_priority_jsonpath == null || startswith(coalesce(var.sfn_priority_jsonpath, "$"), "$")
    error_message = "sfn_priority_jsonpath must be null or a JSONPath starting with \"$\"."
  }
}

variable "sfn_priority_jsonata" {
  description = "JSONata fragments with sfn_wait_strategy = \"callback\": the expression (without {% %}) giving the queue priority, a whole number from 0 to 1000, e.g. \"$states.input.tier = 'gold' ? 100 : 0\". null derives it from sfn_priority_jsonpath when that is a plain dotted path (\"$.a.b\" becomes \"$states.input.a.b\"); both null: priority 0."
  type        = string
  default     = null

  validation {
    # try(): Terraform's || does not short-circuit, and the functions reject null.
    condition     = var.sfn_priority_jsonata == null || try(length(trimspace(var.sfn_priority_jsonata)) > 0 && !strcontains(var.sfn_priority_jsonata, "{%") && !strcontains(var.sfn_priority_jsonata, "%}"), true)
    error_message = "sfn_priority_jsonata must be null or a JSONata expression without the {% %} delimiters (the module adds them)."
  }
}

variable "callback_sweep_enabled" {
  description = "With sfn_wait_strategy = \"callback\": create an EventBridge Scheduler schedule that invokes the lease manager with {\"action\":\"sweep\"} every callback_sweep_interval_minutes, so a lease its holder never released (a crashed execution) reaches the head of the queue soon after it expires, without any holder acting. Without it, the waiters' own sfn_callback_timeout_seconds re-ask finds the expired lease instead."
  type        = bool
  default     = true
}

variable "callback_sweep_interval_minutes" {
  description = "Minutes between two sweeps (EventBridge Scheduler rate; its finest is one minute). An expired lease reaches the queue within this interval (or sfn_callback_timeout_seconds, whichever is shorter)."
  type        = number
  default     = 1

  validation {
    condition     = var.callback_sweep_interval_minutes >= 1 && var.callback_sweep_interval_minutes <= 60 && floor(var.callback_sweep_interval_minutes) == var.callback_sweep_interval_minutes
    error_message = "callback_sweep_interval_minutes must be a whole number from 1 to 60."
  }
}
