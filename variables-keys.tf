################################################################################
# Concurrency keys and what a busy pool does (sfn_on_busy)
################################################################################

variable "sfn_concurrency_key_jsonpath" {
  description = "JSONPath (in the state input) of the concurrency key each acquire sends, e.g. \"$.tenant_id\": a lease then counts against its key (at most max_concurrent_leases_per_key per key) and the pool at once. JSONPath fragments turn keys on with it; JSONata fragments derive the key from it when it is a plain dotted path (\"$.a.b\" becomes \"$states.input.a.b\"), else set sfn_concurrency_key_jsonata. The key must be a string of 1-256 UTF-8 bytes in every input that reaches AcquireLease. null: no keys."
  type        = string
  default     = null

  validation {
    condition     = var.sfn_concurrency_key_jsonpath == null || startswith(coalesce(var.sfn_concurrency_key_jsonpath, "$"), "$")
    error_message = "sfn_concurrency_key_jsonpath must be null or a JSONPath starting with \"$\", e.g. \"$.tenant_id\"."
  }
}

variable "sfn_concurrency_key_jsonata" {
  description = "JSONata fragments: the expression (without {% %}, like sfn_resource_id_jsonata) giving the concurrency key, e.g. \"$states.input.tenant.id\"; it turns keys on. null derives it from sfn_concurrency_key_jsonpath when that is a plain dotted path; both null: no keys."
  type        = string
  default     = null

  validation {
    # try(): Terraform's || does not short-circuit, and the functions reject null.
    condition     = var.sfn_concurrency_key_jsonata == null || try(length(trimspace(var.sfn_concurrency_key_jsonata)) > 0 && !strcontains(var.sfn_concurrency_key_jsonata, "{%") && !strcontains(var.sfn_concurrency_key_jsonata, "%}"), true)
    error_message = "sfn_concurrency_key_jsonata must be null or a JSONata expression without the {% %} delimiters (the module adds them)."
  }
}

variable "max_concurrent_leases_per_key" {
  description = "With a concurrency key: most leases one key may hold at once (every key, unless max_concurrent_leases_per_key_overrides names it), at most max_concurrent_leases. Required when the fragments send a key, refused without one. 1 with sfn_on_busy = \"skip\" makes a singleton: a second execution for a key already in flight skips the work."
  type        = number
  default     = null

  validation {
    condition     = var.max_concurrent_leases_per_key == null || try(var.max_concurrent_leases_per_key >= 1 && var.max_concurrent_leases_per_key <= 1000 && floor(var.max_concurrent_leases_per_key) == var.max_concurrent_leases_per_key, false)
    error_message = "max_concurrent_leases_per_key must be null or a whole number from 1 to 1000."
  }
}

variable "max_concurrent_leases_per_key_overrides" {
  description = "Per-key limits that replace max_concurrent_leases_per_key for the keys named, e.g. { \"tenant-gold\" = 5 }: each a whole number from 1 to max_concurrent_leases, each key 1-256 characters. Needs max_concurrent_leases_per_key."
  type        = map(number)
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for k, v in var.max_concurrent_leases_per_key_overrides : length(k) >= 1 && length(k) <= 256 && v >= 1 && v <= 1000 && floor(v) == v])
    error_message = "max_concurrent_leases_per_key_overrides must map keys of 1-256 characters to whole numbers from 1 to 1000."
  }
}

variable "sfn_on_busy" {
  description = "What AcquireLease does when the pool (or the execution's key) is full. \"wait\": wait for a lease the sfn_wait_strategy way (poll, retry or callback). \"fail\": the Task fails with LeaseManager.LeaseUnavailable at once (not retried; catch it around the fragment to handle it). \"skip\": CheckLeaseStatus goes to sfn_post_skip_state instead of the work: no lease is taken and ReleaseLease is not on that path. With \"fail\" and \"skip\" no Wait or queueing state is rendered."
  type        = string
  default     = "wait"

  validation {
    condition     = contains(["wait", "fail", "skip"], var.sfn_on_busy)
    error_message = "sfn_on_busy must be \"wait\", \"fail\" or \"skip\"."
  }
}

variable "sfn_post_skip_state" {
  description = "With sfn_on_busy = \"skip\" (required then, refused otherwise): the state CheckLeaseStatus goes to when the acquire answered anything but \"acquired\" (with JSONPath the answer, including limited_by, is at sfn_lease_result_path; with JSONata in $<sfn_lease_variable_name>). Not your work state and none of the lease states."
  type        = string
  default     = null

  validation {
    condition     = var.sfn_post_skip_state == null || try(length(var.sfn_post_skip_state) >= 1 && length(var.sfn_post_skip_state) <= 80, true)
    error_message = "sfn_post_skip_state must be null or 1-80 characters (the Step Functions limit for state names)."
  }
}
