# State machines for the Step Functions depth features, rendered from the module's own
# fragments: both wait strategies, both query languages, a renewing work loop and inline Maps. The
# end-to-end tests run them (tests/e2e/depth.test.mjs); make test validates them (both validators).

# terraform test mocks the provider configured here (tests/render.tftest.hcl); its source and version
# come from the module's required_providers.
provider "aws" {}

locals {
  worker = "arn:aws:lambda:eu-central-1:123456789012:function:depth-worker"
  common = {
    max_concurrent_leases         = 3
    lambda_package_path           = "../../terraform/fixtures/lease-manager-test.zip"
    sfn_post_acquire_lease_state  = "ProcessWork"
    end_state_after_release_lease = true
  }
  # The module's retry strategy, with intervals a test can wait for.
  quick_retry = { interval_seconds = 1, backoff_rate = 2, max_delay_seconds = 2, max_attempts = 60 }
}

module "poll" {
  source = "../../.."

  name_prefix                   = "depth-poll"
  lease_prefix                  = "poll"
  max_concurrent_leases         = local.common.max_concurrent_leases
  lambda_package_path           = local.common.lambda_package_path
  sfn_post_acquire_lease_state  = local.common.sfn_post_acquire_lease_state
  end_state_after_release_lease = local.common.end_state_after_release_lease
}

# The JSONPath twin of module.jsonata (poll, renew before release), for the payload comparison.
module "jsonpath" {
  source = "../../.."

  name_prefix                   = "depth-jsonpath"
  lease_prefix                  = "jsonpath"
  max_concurrent_leases         = local.common.max_concurrent_leases
  lambda_package_path           = local.common.lambda_package_path
  sfn_post_acquire_lease_state  = local.common.sfn_post_acquire_lease_state
  end_state_after_release_lease = local.common.end_state_after_release_lease
  sfn_post_renew_lease_state    = "ReleaseLease"
}

module "retry" {
  source = "../../.."

  name_prefix                   = "depth-retry"
  lease_prefix                  = "retry"
  max_concurrent_leases         = local.common.max_concurrent_leases
  lambda_package_path           = local.common.lambda_package_path
  sfn_post_acquire_lease_state  = local.common.sfn_post_acquire_lease_state
  end_state_after_release_lease = local.common.end_state_after_release_lease
  sfn_wait_strategy             = "retry"
  sfn_lease_retry               = local.quick_retry
}

module "bounded" {
  source = "../../.."

  name_prefix                   = "depth-bounded"
  lease_prefix                  = "bounded"
  max_concurrent_leases         = 1
  lambda_package_path           = local.common.lambda_package_path
  sfn_post_acquire_lease_state  = local.common.sfn_post_acquire_lease_state
  end_state_after_release_lease = local.common.end_state_after_release_lease
  sfn_wait_strategy             = "retry"
  sfn_lease_retry               = { interval_seconds = 1, backoff_rate = 1, max_delay_seconds = 1, max_attempts = 2 }
}

module "jsonata" {
  source = "../../.."

  name_prefix                   = "depth-jsonata"
  lease_prefix                  = "jsonata"
  max_concurrent_leases         = local.common.max_concurrent_leases
  lambda_package_path           = local.common.lambda_package_path
  sfn_post_acquire_lease_state  = local.common.sfn_post_acquire_lease_state
  end_state_after_release_lease = local.common.end_state_after_release_lease
  sfn_query_language            = "JSONata"
  sfn_post_renew_lease_state    = "ReleaseLease"
}

module "jsonata_retry" {
  source = "../../.."

  name_prefix                   = "depth-jsonata-retry"
  lease_prefix                  = "jsonata-retry"
  max_concurrent_leases         = local.common.max_concurrent_leases
  lambda_package_path           = local.common.lambda_package_path
  sfn_post_acquire_lease_state  = local.common.sfn_post_acquire_lease_state
  end_state_after_release_lease = local.common.end_state_after_release_lease
  sfn_query_language            = "JSONata"
  sfn_wait_strategy             = "retry"
  sfn_lease_retry               = local.quick_retry
}

module "renewing" {
  source = "../../.."

  name_prefix                   = "depth-renewing"
  lease_prefix                  = "renewing"
  max_concurrent_leases         = 1
  max_lease_duration_seconds    = 6
  lambda_package_path           = local.common.lambda_package_path
  sfn_post_acquire_lease_state  = "ProcessChunk"
  end_state_after_release_lease = true
  sfn_post_renew_lease_state    = "MoreChunks"
}

locals {
  work         = { Type = "Task", Resource = local.worker, ResultPath = "$.work" }
  work_jsonata = { Type = "Task", QueryLanguage = "JSONata", Resource = local.worker, Output = "{% $merge([$states.input, {'work': $states.result}]) %}" }

  # acquire -> ProcessWork -> release, as a user merges the fragments.
  simple = { for name, m in {
    poll          = module.poll
    jsonpath      = module.jsonpath
    retry         = module.retry
    bounded       = module.bounded
    jsonata       = module.jsonata
    jsonata_retry = module.jsonata_retry
    } : name => {
    StartAt = m.sfn_acquire_lease_state_name
    States = merge(
      jsondecode(m.acquire_lease_state),
      # Work, then (where the module renders one) RenewLease, then ReleaseLease.
      { ProcessWork = merge(m.sfn_lease_variable_name == null ? local.work : local.work_jsonata, { Next = m.renew_lease_state == null ? m.sfn_release_lease_state_name : m.sfn_renew_lease_state_name }) },
      m.renew_lease_state == null ? {} : jsondecode(m.renew_lease_state),
      jsondecode(m.release_lease_state),
    )
  } }

  # The same steps inside an inline Map over $.items: every iteration shares the execution id.
  inline_map = { for name, m in { poll = module.poll, retry = module.retry } : name => {
    StartAt = "EachItem"
    States = {
      EachItem = {
        Type           = "Map"
        ItemsPath      = "$.items"
        MaxConcurrency = 0
        ItemProcessor = {
          ProcessorConfig = { Mode = "INLINE" }
          StartAt         = local.simple[name].StartAt
          States          = local.simple[name].States
        }
        End = true
      }
    }
  } }
}

output "definition_poll" {
  description = "JSONPath, poll strategy."
  value       = jsonencode(merge({ Comment = "poll" }, local.simple.poll))
}

output "definition_jsonpath" {
  description = "JSONPath, poll strategy, RenewLease between the work and the release."
  value       = jsonencode(merge({ Comment = "jsonpath" }, local.simple.jsonpath))
}

output "definition_retry" {
  description = "JSONPath, retry strategy."
  value       = jsonencode(merge({ Comment = "retry" }, local.simple.retry))
}

output "definition_bounded" {
  description = "JSONPath, retry strategy with two retries on a pool of one."
  value       = jsonencode(merge({ Comment = "bounded" }, local.simple.bounded))
}

output "definition_jsonata" {
  description = "JSONata top level, poll strategy, RenewLease before the release (the work state is JSONata too: a JSONPath state is not allowed there)."
  value       = jsonencode(merge({ Comment = "jsonata", QueryLanguage = "JSONata" }, local.simple.jsonata))
}

output "definition_jsonata_retry" {
  description = "JSONata top level, retry strategy."
  value       = jsonencode(merge({ Comment = "jsonata retry", QueryLanguage = "JSONata" }, local.simple.jsonata_retry))
}

output "definition_inline_map_poll" {
  description = "An inline Map whose iterations each take a lease (poll strategy)."
  value       = jsonencode(merge({ Comment = "inline Map, poll" }, local.inline_map.poll))
}

output "definition_inline_map_retry" {
  description = "An inline Map whose iterations each take a lease (retry strategy)."
  value       = jsonencode(merge({ Comment = "inline Map, retry" }, local.inline_map.retry))
}

output "definition_renewing" {
  description = "A long holder: work in chunks, renewing the lease after each, so it outlives max_lease_duration_seconds."
  value = jsonencode({
    Comment = "renewing work loop"
    StartAt = module.renewing.sfn_acquire_lease_state_name
    States = merge(
      jsondecode(module.renewing.acquire_lease_state),
      {
        ProcessChunk = { Type = "Task", Resource = local.worker, ResultPath = "$.chunk", Next = module.renewing.sfn_renew_lease_state_name }
        MoreChunks = {
          Type    = "Choice"
          Choices = [{ Variable = "$.chunk.remaining", NumericGreaterThan = 0, Next = "ProcessChunk" }]
          Default = module.renewing.sfn_release_lease_state_name
        }
      },
      jsondecode(module.renewing.renew_lease_state),
      jsondecode(module.renewing.release_lease_state),
    )
  })
}
