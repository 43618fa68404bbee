################################################################################
# Step Functions fragments
################################################################################

variable "sfn_resource_id_jsonpath" {
  description = "JSONPath (in the state input) of the resource id sent with each acquire. Together with the execution id it is the owner key that makes acquire idempotent, so items of one Map need distinct resource ids."
  type        = string
  default     = "$.resource_id"

  validation {
    condition     = startswith(var.sfn_resource_id_jsonpath, "$")
    error_message = "sfn_resource_id_jsonpath must be a JSONPath starting with \"$\"."
  }
}

variable "sfn_lease_result_path" {
  description = "ResultPath where AcquireLease stores its answer (status, lease_id, lease_expires_at, current_running, max_concurrent_leases, limited_by)."
  type        = string
  default     = "$.acquireLease"

  validation {
    condition     = startswith(var.sfn_lease_result_path, "$.")
    error_message = "sfn_lease_result_path must be a JSONPath below the state input, starting with \"$.\"."
  }
}

variable "sfn_lease_id_jsonpath" {
  description = "JSONPath ReleaseLease reads the lease id from. null means \"<sfn_lease_result_path>.lease_id\", which always matches where AcquireLease put it."
  type        = string
  default     = null

  validation {
    condition     = var.sfn_lease_id_jsonpath == null || startswith(coalesce(var.sfn_lease_id_jsonpath, "$"), "$")
    error_message = "sfn_lease_id_jsonpath must be null or a JSONPath starting with \"$\"."
  }
}

variable "sfn_release_lease_result_path" {
  description = "ResultPath where ReleaseLease stores its answer (status, lease_id, released)."
  type        = string
  default     = "$.releaseLease"

  validation {
    condition     = startswith(var.sfn_release_lease_result_path, "$.")
    error_message = "sfn_release_lease_result_path must be a JSONPath below the state input, starting with \"$.\"."
  }
}

variable "sfn_acquire_lease_state_name" {
  description = "Name of the acquire Task state in the exported fragment."
  type        = string
  default     = "AcquireLease"

  validation {
    condition     = length(var.sfn_acquire_lease_state_name) >= 1 && length(var.sfn_acquire_lease_state_name) <= 80
    error_message = "sfn_acquire_lease_state_name must be 1-80 characters (the Step Functions limit for state names)."
  }
}

variable "sfn_check_lease_state_name" {
  description = "Name of the Choice state that routes on the acquire answer."
  type        = string
  default     = "CheckLeaseStatus"

  validation {
    condition     = length(var.sfn_check_lease_state_name) >= 1 && length(var.sfn_check_lease_state_name) <= 80
    error_message = "sfn_check_lease_state_name must be 1-80 characters (the Step Functions limit for state names)."
  }
}

variable "sfn_wait_state_name" {
  description = "Name of the state an execution waits in while the pool is full: the Wait state (poll) or the .waitForTaskToken Task (callback)."
  type        = string
  default     = "WaitForLease"

  validation {
    condition     = length(var.sfn_wait_state_name) >= 1 && length(var.sfn_wait_state_name) <= 80
    error_message = "sfn_wait_state_name must be 1-80 characters (the Step Functions limit for state names)."
  }
}

variable "sfn_release_lease_state_name" {
  description = "Name of the release Task state in the exported fragment."
  type        = string
  default     = "ReleaseLease"

  validation {
    condition     = length(var.sfn_release_lease_state_name) >= 1 && length(var.sfn_release_lease_state_name) <= 80
    error_message = "sfn_release_lease_state_name must be 1-80 characters (the Step Functions limit for state names)."
  }
}

variable "sfn_post_acquire_lease_state" {
  description = "State to go to once the lease is held (your work state)."
  type        = string
  default     = "StartExecution"

  validation {
    condition     = length(var.sfn_post_acquire_lease_state) >= 1 && length(var.sfn_post_acquire_lease_state) <= 80
    error_message = "sfn_post_acquire_lease_state must be 1-80 characters."
  }
}

variable "sfn_post_release_lease_state" {
  description = "State to go to after ReleaseLease (ignored when end_state_after_release_lease is true)."
  type        = string
  default     = "NextStep"

  validation {
    condition     = length(var.sfn_post_release_lease_state) >= 1 && length(var.sfn_post_release_lease_state) <= 80
    error_message = "sfn_post_release_lease_state must be 1-80 characters."
  }
}

variable "end_state_after_release_lease" {
  description = "Make ReleaseLease an end state (\"End\": true) instead of going to sfn_post_release_lease_state."
  type        = bool
  default     = false
}

variable "sfn_wait_seconds" {
  description = "Seconds WaitForLease waits before asking again while the pool is full."
  type        = number
  default     = 5

  validation {
    condition     = var.sfn_wait_seconds >= 1 && var.sfn_wait_seconds <= 3600 && floor(var.sfn_wait_seconds) == var.sfn_wait_seconds
    error_message = "sfn_wait_seconds must be a whole number from 1 to 3600."
  }
}

variable "sfn_task_retry" {
  description = "Retry of the lease Tasks on Lambda service errors and LeaseManager.TransientFailure: exponential backoff with full jitter."
  type = object({
    interval_seconds  = optional(number, 1)
    max_attempts      = optional(number, 6)
    backoff_rate      = optional(number, 2)
    max_delay_seconds = optional(number, 30)
  })
  default = {}

  validation {
    condition = (
      # Step Functions takes IntervalSeconds, MaxAttempts and MaxDelaySeconds as integers only.
      var.sfn_task_retry.interval_seconds >= 1 && var.sfn_task_retry.interval_seconds <= 99999999 && floor(var.sfn_task_retry.interval_seconds) == var.sfn_task_retry.interval_seconds
      && var.sfn_task_retry.max_attempts >= 0 && var.sfn_task_retry.max_attempts <= 99999999 && floor(var.sfn_task_retry.max_attempts) == var.sfn_task_retry.max_attempts
      && var.sfn_task_retry.backoff_rate >= 1
      && var.sfn_task_retry.max_delay_seconds >= var.sfn_task_retry.interval_seconds && var.sfn_task_retry.max_delay_seconds <= 31622400 && floor(var.sfn_task_retry.max_delay_seconds) == var.sfn_task_retry.max_delay_seconds
    )
    error_message = "sfn_task_retry needs whole interval_seconds from 1 to 99999999, whole max_attempts from 0 to 99999999, backoff_rate >= 1, and whole max_delay_seconds from interval_seconds to 31622400 (the Step Functions limits)."
  }
}

variable "sfn_wait_strategy" {
  description = "How AcquireLease waits for a full pool (with sfn_on_busy = \"wait\", the default; \"fail\" and \"skip\" do not wait). \"poll\": the lease manager answers \"wait\" and a Choice + Wait loop asks again every sfn_wait_seconds (three state transitions per attempt). \"retry\": the lease manager raises LeaseManager.LeaseUnavailable and the Task's own Retry asks again with backoff and full jitter (sfn_lease_retry; one transition per attempt), failing the execution with that error once the attempts run out. \"callback\" (Standard workflows only): the execution queues on a .waitForTaskToken Task and the lease manager hands it a freed slot directly, first in, first out within a priority (sfn_priority_jsonpath), with SendTaskSuccess; see sfn_callback_timeout_seconds and callback_sweep_enabled."
  type        = string
  default     = "poll"

  validation {
    condition     = contains(["poll", "retry", "callback"], var.sfn_wait_strategy)
    error_message = "sfn_wait_strategy must be \"poll\", \"retry\" or \"callback\"."
  }
}

variable "sfn_lease_retry" {
  description = "With sfn_wait_strategy = \"retry\": the Retry of LeaseManager.LeaseUnavailable. Waits grow from interval_seconds by backoff_rate up to max_delay_seconds, each drawn with full jitter; after max_attempts the execution fails with LeaseManager.LeaseUnavailable (catch it to handle \"no capacity\" yourself). The defaults wait at most about 23 minutes in all (half that on average, with full jitter)."
  type = object({
    interval_seconds  = optional(number, 2)
    backoff_rate      = optional(number, 1.5)
    max_delay_seconds = optional(number, 60)
    max_attempts      = optional(number, 30)
  })
  default = {}

  validation {
    condition = (
      var.sfn_lease_retry.interval_seconds >= 1 && var.sfn_lease_retry.interval_seconds <= 99999999 && floor(var.sfn_lease_retry.interval_seconds) == var.sfn_lease_retry.interval_seconds
      && var.sfn_lease_retry.backoff_rate >= 1
      && var.sfn_lease_retry.max_delay_seconds >= var.sfn_lease_retry.interval_seconds && var.sfn_lease_retry.max_delay_seconds <= 31622400 && floor(var.sfn_lease_retry.max_delay_seconds) == var.sfn_lease_retry.max_delay_seconds
      && var.sfn_lease_retry.max_attempts >= 1 && var.sfn_lease_retry.max_attempts <= 99999999 && floor(var.sfn_lease_retry.max_attempts) == var.sfn_lease_retry.max_attempts
    )
    error_message = "sfn_lease_retry needs whole interval_seconds >= 1, backoff_rate >= 1, whole max_delay_seconds from interval_seconds to 31622400, and whole max_attempts from 1 to 99999999 (the Step Functions limits)."
  }
}

variable "sfn_query_language" {
  description = "Query language of the exported fragments. \"JSONata\" renders every state with QueryLanguage = \"JSONata\" (Arguments, Output, Assign): required when your state machine's top level is JSONata, where JSONPath states are not allowed. The answers go to the variable named by sfn_lease_variable_name instead of ResultPaths."
  type        = string
  default     = "JSONPath"

  validation {
    condition     = contains(["JSONPath", "JSONata"], var.sfn_query_language)
    error_message = "sfn_query_language must be \"JSONPath\" or \"JSONata\"."
  }
}

variable "sfn_resource_id_jsonata" {
  description = "JSONata fragments: the expression (without {% %}) giving the resource id, e.g. \"$states.input.job.id\". null derives it from sfn_resource_id_jsonpath when that is a plain dotted path (\"$.a.b\" becomes \"$states.input.a.b\")."
  type        = string
  default     = null

  validation {
    # try(): Terraform's || does not short-circuit, and the functions reject null.
    condition     = var.sfn_resource_id_jsonata == null || try(length(trimspace(var.sfn_resource_id_jsonata)) > 0 && !strcontains(var.sfn_resource_id_jsonata, "{%") && !strcontains(var.sfn_resource_id_jsonata, "%}"), true)
    error_message = "sfn_resource_id_jsonata must be null or a JSONata expression without the {% %} delimiters (the module adds them)."
  }
}

variable "sfn_lease_variable_name" {
  description = "JSONata fragments: the workflow variable AcquireLease assigns its answer to (status, lease_id, lease_expires_at, current_running, max_concurrent_leases, limited_by); RenewLease updates lease_expires_at and ReleaseLease replaces it with the release answer. Read it as $<name>."
  type        = string
  default     = "lease"

  validation {
    condition     = can(regex("^[A-Za-z_][A-Za-z0-9_]{0,79}$", var.sfn_lease_variable_name)) && var.sfn_lease_variable_name != "states"
    error_message = "sfn_lease_variable_name must be a JSONata variable name (a letter or _, then letters, digits or _; at most 80) other than the reserved \"states\"."
  }
}

variable "sfn_renew_lease_state_name" {
  description = "Name of the renew Task state in the renew_lease_state fragment."
  type        = string
  default     = "RenewLease"

  validation {
    condition     = length(var.sfn_renew_lease_state_name) >= 1 && length(var.sfn_renew_lease_state_name) <= 80
    error_message = "sfn_renew_lease_state_name must be 1-80 characters (the Step Functions limit for state names)."
  }
}

variable "sfn_post_renew_lease_state" {
  description = "State RenewLease goes on to (the next step of your long work loop). renew_lease_state is null until this is set."
  type        = string
  default     = null

  validation {
    condition     = var.sfn_post_renew_lease_state == null || try(length(var.sfn_post_renew_lease_state) >= 1 && length(var.sfn_post_renew_lease_state) <= 80, true)
    error_message = "sfn_post_renew_lease_state must be null or 1-80 characters."
  }
}

variable "sfn_renew_lease_result_path" {
  description = "JSONPath fragments: ResultPath where RenewLease stores its answer (status, lease_id, lease_expires_at)."
  type        = string
  default     = "$.renewLease"

  validation {
    condition     = startswith(var.sfn_renew_lease_result_path, "$.")
    error_message = "sfn_renew_lease_result_path must be a JSONPath below the state input, starting with \"$.\"."
  }
}

################################################################################
# Reclaim on execution failure
################################################################################

variable "reclaim_on_execution_failure" {
  description = "Release an execution's leases as soon as it ends FAILED, TIMED_OUT or ABORTED (instead of when they expire): an EventBridge rule on the Step Functions execution status events of reclaim_state_machine_arns invokes the lease manager."
  type        = bool
  default     = false
}

variable "reclaim_state_machine_arns" {
  description = "State machines whose failed, timed-out or aborted executions have their leases released (with reclaim_on_execution_failure). Their Distributed Map child executions are matched too."
  type        = list(string)
  default     = []

  validation {
    # A name is 1-80 characters, none of them white space (\p{Z} and the control ranges), brackets
    # < > { } [ ], wildcards ? *, the specials " # % \ ^ | ~ ` $ & , ; : /, control characters
    # U+0000-001F and U+007F-009F, or U+FFFE-FFFF (CreateStateMachine's rules); anything else is valid.
    condition     = alltrue([for arn in var.reclaim_state_machine_arns : can(regex("^arn:aws[a-z-]*:states:[a-z0-9-]+:[0-9]{12}:stateMachine:[^\\p{Z}\\x{0}-\\x{1f}\\x{7f}-\\x{9f}\\x{fffe}\\x{ffff}<>{}\\[\\]?*\"#%\\\\^|~`$&,;:/]{1,80}$", arn))])
    error_message = "reclaim_state_machine_arns must hold state machine ARNs (arn:<partition>:states:<region>:<account>:stateMachine:<name>), the name 1-80 characters without white space, brackets < > { } [ ], wildcards ? *, control characters or any of \" # % \\ ^ | ~ ` $ & , ; : /."
  }
}
