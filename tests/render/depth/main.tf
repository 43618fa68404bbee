# State machines for the Step Functions depth features, rendered from the module's own
# fragments: both wait strategies, both query languages, a renewing work loop and inline Maps. The
# end-to-end tests run them (tests/e2e/depth.test.mjs); make test validates them (both validators).

# terraform test mocks the provider configured here (tests/render.tftest.hcl); its source and version
# come from the module's required_providers.
provider "aws" {}

locals {
  worker  = "arn:aws:lambda:eu-central-1:123456789012:function:depth-worker"
  package = "../../terraform/fixtures/lease-manager-test.zip"
  # The module's retry strategy, with intervals a test can wait for.
  quick_retry = { interval_seconds = 1, backoff_rate = 2, max_delay_seconds = 2, max_attempts = 60 }

  # acquire -> ProcessWork -> release on a pool of `pool`, in one query language and wait strategy
  # each (JSONPath and poll are the module's defaults, named so that every case reads whole);
  # renew_then: RenewLease between the work and the release, going on to that state (jsonpath is
  # the JSONPath twin of jsonata, for the payload comparison).
  cases = {
    poll          = { pool = 3, language = "JSONPath", wait = "poll", retry = {}, renew_then = null }
    jsonpath      = { pool = 3, language = "JSONPath", wait = "poll", retry = {}, renew_then = "ReleaseLease" }
    retry         = { pool = 3, language = "JSONPath", wait = "retry", retry = local.quick_retry, renew_then = null }
    bounded       = { pool = 1, language = "JSONPath", wait = "retry", retry = { interval_seconds = 1, backoff_rate = 1, max_delay_seconds = 1, max_attempts = 2 }, renew_then = null }
    jsonata       = { pool = 3, language = "JSONata", wait = "poll", retry = {}, renew_then = "ReleaseLease" }
    jsonata_retry = { pool = 3, language = "JSONata", wait = "retry", retry = local.quick_retry, renew_then = null }
  }
}

module "depth_lease" {
  source   = "../../.."
  for_each = local.cases

  name_prefix                   = "depth-${replace(each.key, "_", "-")}"
  lease_prefix                  = replace(each.key, "_", "-")
  max_concurrent_leases         = each.value.pool
  lambda_package_path           = local.package
  sfn_post_acquire_lease_state  = "ProcessWork"
  end_state_after_release_lease = true
  sfn_query_language            = each.value.language
  sfn_wait_strategy             = each.value.wait
  sfn_lease_retry               = each.value.retry
  sfn_post_renew_lease_state    = each.value.renew_then
}

# A long holder on a pool of one with 12-second leases: it works in chunks and renews after each.
module "depth_renewing" {
  source = "../../.."

  name_prefix                   = "depth-renewing"
  lease_prefix                  = "renewing"
  max_concurrent_leases         = 1
  max_lease_duration_seconds    = 12
  lambda_package_path           = local.package
  sfn_post_acquire_lease_state  = "ProcessChunk"
  end_state_after_release_lease = true
  sfn_post_renew_lease_state    = "MoreChunks"
}

module "workflow" {
  source   = "../modules/workflow"
  for_each = module.depth_lease

  lease   = each.value
  worker  = local.worker
  comment = replace(each.key, "_", " ")
  # The same steps inside an inline Map over $.items: every iteration shares the execution id.
  maps = contains(["poll", "retry"], each.key) ? { inline = { Comment = "inline Map, ${each.key}", ProcessorConfig = { Mode = "INLINE" } } } : {}
}

module "renewing_workflow" {
  source = "../modules/workflow"

  lease           = module.depth_renewing
  comment         = "renewing work loop"
  work_state_name = "ProcessChunk"
  work            = { Type = "Task", Resource = local.worker, ResultPath = "$.chunk" }
  extra_states = {
    MoreChunks = {
      Type    = "Choice"
      Choices = [{ Variable = "$.chunk.remaining", NumericGreaterThan = 0, Next = "ProcessChunk" }]
      Default = module.depth_renewing.sfn_release_lease_state_name
    }
  }
}

output "definition_poll" {
  description = "JSONPath, poll strategy."
  value       = module.workflow["poll"].definition
}

output "definition_jsonpath" {
  description = "JSONPath, poll strategy, RenewLease between the work and the release."
  value       = module.workflow["jsonpath"].definition
}

output "definition_retry" {
  description = "JSONPath, retry strategy."
  value       = module.workflow["retry"].definition
}

output "definition_bounded" {
  description = "JSONPath, retry strategy with two retries on a pool of one."
  value       = module.workflow["bounded"].definition
}

output "definition_jsonata" {
  description = "JSONata top level, poll strategy, RenewLease before the release (the work state is JSONata too: a JSONPath state is not allowed there)."
  value       = module.workflow["jsonata"].definition
}

output "definition_jsonata_retry" {
  description = "JSONata top level, retry strategy."
  value       = module.workflow["jsonata_retry"].definition
}

output "definition_inline_map_poll" {
  description = "An inline Map whose iterations each take a lease (poll strategy)."
  value       = module.workflow["poll"].maps.inline
}

output "definition_inline_map_retry" {
  description = "An inline Map whose iterations each take a lease (retry strategy)."
  value       = module.workflow["retry"].maps.inline
}

output "definition_renewing" {
  description = "A long holder: work in chunks, renewing the lease after each, so it outlives max_lease_duration_seconds."
  value       = module.renewing_workflow.definition
}
