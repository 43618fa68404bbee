# State machines for the callback wait strategy, rendered from the module's own fragments: both
# query languages, a queue priority, an inline Map and a Distributed Map whose child workflows
# queue. make test validates them (both validators, scripts/test.d/30-asl.sh); the end-to-end tests
# can run them against the packaged function (each module its own function ARN).

# terraform test mocks the provider configured here (tests/render.tftest.hcl); its source and version
# come from the module's required_providers.
provider "aws" {}

locals {
  worker  = "arn:aws:lambda:eu-central-1:123456789012:function:callback-worker"
  package = "../../terraform/fixtures/lease-manager-test.zip"
  # acquire -> ProcessWork -> release on a pool of 3, queueing with a priority in each query language.
  cases = {
    jsonpath = { language = "JSONPath", priority_jsonpath = "$.priority", priority_jsonata = null }
    jsonata  = { language = "JSONata", priority_jsonpath = null, priority_jsonata = "$exists($states.input.priority) ? $states.input.priority : 0" }
  }
}

module "callback_lease" {
  source   = "../../.."
  for_each = local.cases

  name_prefix                   = "callback-${each.key}"
  lease_prefix                  = "callback-${each.key}"
  max_concurrent_leases         = 3
  lambda_package_path           = local.package
  sfn_post_acquire_lease_state  = "ProcessWork"
  end_state_after_release_lease = true
  sfn_wait_strategy             = "callback"
  sfn_query_language            = each.value.language
  sfn_priority_jsonpath         = each.value.priority_jsonpath
  sfn_priority_jsonata          = each.value.priority_jsonata
  sfn_callback_timeout_seconds  = 30
}

# No priority, renamed states, a release that goes on to another state: plain first in, first out.
module "callback_fifo" {
  source = "../../.."

  name_prefix                  = "callback-fifo"
  lease_prefix                 = "callback-fifo"
  max_concurrent_leases        = 1
  lambda_package_path          = local.package
  sfn_post_acquire_lease_state = "ProcessWork"
  sfn_post_release_lease_state = "Done"
  sfn_wait_strategy            = "callback"
  sfn_acquire_lease_state_name = "Take"
  sfn_check_lease_state_name   = "Got"
  sfn_wait_state_name          = "Queue"
  sfn_release_lease_state_name = "Give"
}

module "workflow" {
  source   = "../modules/workflow"
  for_each = module.callback_lease

  lease   = each.value
  worker  = local.worker
  comment = "callback ${each.key}"
  # The same steps inside a Map over $.items: inline (iterations share the execution id) and
  # distributed (each item a Standard child workflow with its own execution id).
  maps = each.key != "jsonpath" ? {} : {
    inline      = { Comment = "callback inline Map", ProcessorConfig = { Mode = "INLINE" } }
    distributed = { Comment = "callback Distributed Map", ProcessorConfig = { Mode = "DISTRIBUTED", ExecutionType = "STANDARD" } }
  }
}

module "fifo_workflow" {
  source = "../modules/workflow"

  lease              = module.callback_fifo
  worker             = local.worker
  comment            = "callback fifo"
  separate_fragments = true
  extra_states       = { Done = { Type = "Succeed" } }
}

output "definition_callback_jsonpath" {
  description = "JSONPath, callback strategy, priority from $.priority."
  value       = module.workflow["jsonpath"].definition
}

output "definition_callback_jsonata" {
  description = "JSONata top level, callback strategy, priority from a JSONata expression."
  value       = module.workflow["jsonata"].definition
}

output "definition_callback_fifo" {
  description = "JSONPath, callback strategy without priority, renamed states, release goes on to Done; merged from the four fragment outputs separately."
  value       = module.fifo_workflow.definition
}

output "definition_callback_inline_map" {
  description = "An inline Map whose iterations each queue for a lease (callback strategy)."
  value       = module.workflow["jsonpath"].maps.inline
}

output "definition_callback_distributed_map" {
  description = "A Distributed Map whose Standard child workflows each queue for a lease (callback strategy)."
  value       = module.workflow["jsonpath"].maps.distributed
}
