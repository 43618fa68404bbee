# State machines for the callback wait strategy, rendered from the module's own fragments: both
# query languages, a queue priority, an inline Map and a Distributed Map whose child workflows
# queue. make test validates them (both validators, scripts/test.d/30-asl.sh); the end-to-end tests
# can run them against the packaged function (each module its own function ARN).

# terraform test mocks the provider configured here (tests/render.tftest.hcl); its source and version
# come from the module's required_providers.
provider "aws" {}

locals {
  worker = "arn:aws:lambda:eu-central-1:123456789012:function:callback-worker"
  common = {
    max_concurrent_leases         = 3
    lambda_package_path           = "../../terraform/fixtures/lease-manager-test.zip"
    sfn_post_acquire_lease_state  = "ProcessWork"
    end_state_after_release_lease = true
    sfn_wait_strategy             = "callback"
  }
}

module "jsonpath" {
  source = "../../.."

  name_prefix                   = "callback-jsonpath"
  lease_prefix                  = "callback-jsonpath"
  max_concurrent_leases         = local.common.max_concurrent_leases
  lambda_package_path           = local.common.lambda_package_path
  sfn_post_acquire_lease_state  = local.common.sfn_post_acquire_lease_state
  end_state_after_release_lease = local.common.end_state_after_release_lease
  sfn_wait_strategy             = local.common.sfn_wait_strategy
  sfn_priority_jsonpath         = "$.priority"
  sfn_callback_timeout_seconds  = 30
}

module "jsonata" {
  source = "../../.."

  name_prefix                   = "callback-jsonata"
  lease_prefix                  = "callback-jsonata"
  max_concurrent_leases         = local.common.max_concurrent_leases
  lambda_package_path           = local.common.lambda_package_path
  sfn_post_acquire_lease_state  = local.common.sfn_post_acquire_lease_state
  end_state_after_release_lease = local.common.end_state_after_release_lease
  sfn_wait_strategy             = local.common.sfn_wait_strategy
  sfn_query_language            = "JSONata"
  sfn_priority_jsonata          = "$exists($states.input.priority) ? $states.input.priority : 0"
  sfn_callback_timeout_seconds  = 30
}

# No priority, renamed states, a release that goes on to another state: plain first in, first out.
module "fifo" {
  source = "../../.."

  name_prefix                  = "callback-fifo"
  lease_prefix                 = "callback-fifo"
  max_concurrent_leases        = 1
  lambda_package_path          = local.common.lambda_package_path
  sfn_post_acquire_lease_state = local.common.sfn_post_acquire_lease_state
  sfn_post_release_lease_state = "Done"
  sfn_wait_strategy            = local.common.sfn_wait_strategy
  sfn_acquire_lease_state_name = "Take"
  sfn_check_lease_state_name   = "Got"
  sfn_wait_state_name          = "Queue"
  sfn_release_lease_state_name = "Give"
}

locals {
  work         = { Type = "Task", Resource = local.worker, ResultPath = "$.work" }
  work_jsonata = { Type = "Task", QueryLanguage = "JSONata", Resource = local.worker, Output = "{% $merge([$states.input, {'work': $states.result}]) %}" }

  # acquire -> ProcessWork -> release, as a user merges the fragments.
  simple = { for name, m in { jsonpath = module.jsonpath, jsonata = module.jsonata } : name => {
    StartAt = m.sfn_acquire_lease_state_name
    States = merge(
      jsondecode(m.acquire_lease_state),
      { ProcessWork = merge(m.sfn_lease_variable_name == null ? local.work : local.work_jsonata, { Next = m.sfn_release_lease_state_name }) },
      jsondecode(m.release_lease_state),
    )
  } }

  # The same steps inside a Map over $.items: inline (iterations share the execution id) and
  # distributed (each item a Standard child workflow with its own execution id).
  maps = { for mode, config in {
    inline      = { Mode = "INLINE" }
    distributed = { Mode = "DISTRIBUTED", ExecutionType = "STANDARD" }
    } : mode => {
    StartAt = "EachItem"
    States = {
      EachItem = {
        Type           = "Map"
        ItemsPath      = "$.items"
        MaxConcurrency = 0
        ItemProcessor = {
          ProcessorConfig = config
          StartAt         = local.simple.jsonpath.StartAt
          States          = local.simple.jsonpath.States
        }
        End = true
      }
    }
  } }
}

output "definition_callback_jsonpath" {
  description = "JSONPath, callback strategy, priority from $.priority."
  value       = jsonencode(merge({ Comment = "callback jsonpath" }, local.simple.jsonpath))
}

output "definition_callback_jsonata" {
  description = "JSONata top level, callback strategy, priority from a JSONata expression."
  value       = jsonencode(merge({ Comment = "callback jsonata", QueryLanguage = "JSONata" }, local.simple.jsonata))
}

output "definition_callback_fifo" {
  description = "JSONPath, callback strategy without priority, renamed states, release goes on to Done; merged from the four fragment outputs separately."
  value = jsonencode({
    Comment = "callback fifo"
    StartAt = module.fifo.sfn_acquire_lease_state_name
    States = merge(
      jsondecode(module.fifo.acquire_lease_state),
      jsondecode(module.fifo.check_lease_status_state),
      jsondecode(module.fifo.wait_for_lease_state),
      { ProcessWork = merge(local.work, { Next = module.fifo.sfn_release_lease_state_name }) },
      jsondecode(module.fifo.release_lease_state),
      { Done = { Type = "Succeed" } },
    )
  })
}

output "definition_callback_inline_map" {
  description = "An inline Map whose iterations each queue for a lease (callback strategy)."
  value       = jsonencode(merge({ Comment = "callback inline Map" }, local.maps.inline))
}

output "definition_callback_distributed_map" {
  description = "A Distributed Map whose Standard child workflows each queue for a lease (callback strategy)."
  value       = jsonencode(merge({ Comment = "callback Distributed Map" }, local.maps.distributed))
}
