variable "create_dashboard" {
  description = "Create a CloudWatch dashboard for this pool: leases held against the limit, grants and waits, expiries and reclaims, the function's errors by type, and Lambda's own invocation metrics. Needs the function's metrics (powertools_configuration.metrics_disabled = false)."
  type        = bool
  default     = false
}

variable "create_alarms" {
  description = "Create the pool's alarms: leases expiring without release, and function errors of unexpected types (anything but LeaseUnavailable, LeaseLost and TransientFailure, which the exported states handle). A flag rather than \"when alarm_sns_topic_arn is set\": a topic created in the same apply has no ARN at plan time, and the number of alarms must be known then."
  type        = bool
  default     = false
}

variable "alarm_sns_topic_arn" {
  description = "SNS topic the pool's alarms notify when they fire and when they clear (with create_alarms). null: the alarms only change state (visible in the console and to EventBridge)."
  type        = string
  default     = null

  validation {
    condition     = var.alarm_sns_topic_arn == null || can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_.-]{1,256}$", var.alarm_sns_topic_arn))
    error_message = "alarm_sns_topic_arn must be an SNS topic ARN (arn:<partition>:sns:<region>:<account>:<name>) or null."
  }
}

variable "alarm_expired_leases_threshold" {
  description = "Alarm when at least this many leases expire unreleased (found expired and taken over) within alarm_period_seconds: a holder that crashed or forgot ReleaseLease. Each one kept its slot until its expiry."
  type        = number
  default     = 1

  validation {
    condition     = var.alarm_expired_leases_threshold >= 1 && floor(var.alarm_expired_leases_threshold) == var.alarm_expired_leases_threshold
    error_message = "alarm_expired_leases_threshold must be a whole number >= 1."
  }
}

variable "alarm_period_seconds" {
  description = "Period of the pool's alarms; an alarm fires on one breaching period and clears on one that is not."
  type        = number
  default     = 300

  validation {
    condition     = contains([60, 300, 900, 3600], var.alarm_period_seconds)
    error_message = "alarm_period_seconds must be 60, 300, 900 or 3600."
  }
}

variable "create_admin_function" {
  description = "Create the admin function: the same package with the operator's actions (status, force_release, set_limit) switched on, invoked with the admin_permissions policy. The function state machines invoke refuses those actions either way."
  type        = bool
  default     = true
}

variable "alarm_oldest_waiter_seconds" {
  description = "With create_alarms and the callback strategy: alarm when a queued execution has waited longer than this many seconds (measured by each scheduled sweep), a pool too small for its backlog or stuck behind leases that are not released."
  type        = number
  default     = 900

  validation {
    condition     = var.alarm_oldest_waiter_seconds >= 60 && floor(var.alarm_oldest_waiter_seconds) == var.alarm_oldest_waiter_seconds
    error_message = "alarm_oldest_waiter_seconds must be a whole number of seconds >= 60."
  }
}
