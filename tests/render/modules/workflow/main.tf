# One state machine definition around one instance of the lease module, merged from its fragments
# the way a user merges them: acquire -> the work state -> RenewLease (where the module renders
# one) -> release. The render configurations (tests/render/*) build every definition with it, so
# each states only what its case does differently.

variable "lease" {
  description = "An instance of the lease module (its outputs)."
  type        = any
}

variable "comment" {
  description = "The definition's Comment; null for none."
  type        = string
  default     = null
}

variable "work_state_name" {
  description = "The lease module's sfn_post_acquire_lease_state."
  type        = string
  default     = "ProcessWork"
}

variable "work" {
  description = "The work state without its Next (the fragment after it). Null: a Task on var.worker that keeps its result in $.work, in the lease's query language."
  type        = any
  default     = null
}

variable "worker" {
  description = "ARN of the function the default work state invokes."
  type        = string
  default     = null
}

variable "separate_fragments" {
  description = "Merge check_lease_status_state and wait_for_lease_state too, as the seed module required (acquire_lease_state alone carries them)."
  type        = bool
  default     = false
}

variable "acquire_catch" {
  description = "A Catch merged onto the exported acquire Task (the fail policy's error, caught around the fragment); null for none."
  type        = any
  default     = null
}

variable "extra_states" {
  description = "States the fragments go on to (a Done, a skip target, a Choice after RenewLease)."
  type        = any
  default     = {}
}

variable "maps" {
  description = "Map definitions to render around the same steps, by name: { Comment, ProcessorConfig } each; the Map runs them once per item of $.items."
  type        = any
  default     = {}
}

locals {
  jsonata  = var.lease.sfn_lease_variable_name != null
  acquire  = jsondecode(var.lease.acquire_lease_state)
  acquired = var.lease.sfn_acquire_lease_state_name
  default_work = local.jsonata ? {
    Type = "Task", QueryLanguage = "JSONata", Resource = var.worker, Output = "{% $merge([$states.input, {'work': $states.result}]) %}"
  } : { Type = "Task", Resource = var.worker, ResultPath = "$.work" }
  after_work = var.lease.renew_lease_state == null ? var.lease.sfn_release_lease_state_name : var.lease.sfn_renew_lease_state_name

  # Merged in this order; the acquire Task with a Catch replaces the exported one.
  states = concat(
    [local.acquire],
    [for catch in [var.acquire_catch] : { (local.acquired) = merge(local.acquire[local.acquired], { Catch = catch }) } if catch != null],
    [for f in [var.lease.check_lease_status_state, var.lease.wait_for_lease_state] : jsondecode(f) if var.separate_fragments],
    [{ (var.work_state_name) = merge(var.work == null ? local.default_work : var.work, { Next = local.after_work }) }],
    [for f in compact([var.lease.renew_lease_state, var.lease.release_lease_state]) : jsondecode(f)],
    [var.extra_states],
  )
  steps = { StartAt = local.acquired, States = merge(local.states...) }
}

output "definition" {
  description = "The whole definition: Comment, QueryLanguage JSONata at the top level where the lease's fragments are JSONata, the steps."
  value       = jsonencode(merge(var.comment == null ? {} : { Comment = var.comment }, local.jsonata ? { QueryLanguage = "JSONata" } : {}, local.steps))
}

output "maps" {
  description = "By name of var.maps: a definition whose one Map state runs the steps for every item of $.items."
  value = { for name, map in var.maps : name => jsonencode({
    Comment = map.Comment
    StartAt = "EachItem"
    States = {
      EachItem = {
        Type           = "Map"
        ItemsPath      = "$.items"
        MaxConcurrency = 0
        ItemProcessor  = merge({ ProcessorConfig = map.ProcessorConfig }, local.steps)
        End            = true
      }
    }
  }) }
}
