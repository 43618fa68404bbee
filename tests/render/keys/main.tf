# State machines with concurrency keys and each busy policy, rendered from the module's own
# fragments in both query languages: a tenant limit that waits (polling, or queued with the callback
# strategy), a singleton per order that skips duplicates in flight, and a fail whose
# LeaseManager.LeaseUnavailable the workflow catches. make test validates them (both validators,
# scripts/test.d/30-asl.sh); tests/e2e/keys.test.mjs runs them end to end.

# terraform test mocks the provider configured here (tests/render.tftest.hcl); its source and version
# come from the module's required_providers.
provider "aws" {}

locals {
  package = "../../terraform/fixtures/lease-manager-test.zip"
  worker  = "arn:aws:lambda:eu-central-1:123456789012:function:keys-worker"
}

# At most 10 at once, at most 2 per tenant (acme 4); a full tenant waits like a full pool.
module "tenant_wait" {
  source = "../../.."

  name_prefix                             = "keys-tenant"
  lease_prefix                            = "keys-tenant"
  max_concurrent_leases                   = 10
  lambda_package_path                     = local.package
  sfn_post_acquire_lease_state            = "ProcessWork"
  end_state_after_release_lease           = true
  sfn_concurrency_key_jsonpath            = "$.tenant_id"
  max_concurrent_leases_per_key           = 2
  max_concurrent_leases_per_key_overrides = { acme = 4 }
}

# The callback strategy with keys: at most 3 at once, 2 per tenant (solo 1); a waiter whose tenant is
# full waits in its tenant's own queue and holds up no other tenant.
module "tenant_callback" {
  source = "../../.."

  name_prefix                             = "keys-callback"
  lease_prefix                            = "keys-callback"
  max_concurrent_leases                   = 3
  lambda_package_path                     = local.package
  sfn_post_acquire_lease_state            = "ProcessWork"
  end_state_after_release_lease           = true
  sfn_concurrency_key_jsonpath            = "$.tenant_id"
  max_concurrent_leases_per_key           = 2
  max_concurrent_leases_per_key_overrides = { solo = 1 }
  sfn_wait_strategy                       = "callback"
  sfn_on_busy                             = "wait"
  sfn_callback_timeout_seconds            = 30
}

# A singleton per order: a second execution for an order in flight skips the work.
module "singleton_jsonpath" {
  source = "../../.."

  name_prefix                   = "keys-singleton-jp"
  lease_prefix                  = "keys-singleton-jp"
  max_concurrent_leases         = 10
  lambda_package_path           = local.package
  sfn_post_acquire_lease_state  = "ProcessWork"
  end_state_after_release_lease = true
  sfn_concurrency_key_jsonpath  = "$.order_id"
  max_concurrent_leases_per_key = 1
  sfn_on_busy                   = "skip"
  sfn_post_skip_state           = "AlreadyRunning"
}

module "singleton_jsonata" {
  source = "../../.."

  name_prefix                   = "keys-singleton-ja"
  lease_prefix                  = "keys-singleton-ja"
  max_concurrent_leases         = 10
  lambda_package_path           = local.package
  sfn_post_acquire_lease_state  = "ProcessWork"
  end_state_after_release_lease = true
  sfn_query_language            = "JSONata"
  sfn_concurrency_key_jsonata   = "$states.input.order.region & '/' & $states.input.order.id"
  max_concurrent_leases_per_key = 1
  sfn_on_busy                   = "skip"
  sfn_post_skip_state           = "AlreadyRunning"
  sfn_wait_strategy             = "callback"
}

# A full pool or tenant fails the acquire at once; the workflow catches it.
module "fail_jsonpath" {
  source = "../../.."

  name_prefix                   = "keys-fail-jp"
  lease_prefix                  = "keys-fail-jp"
  max_concurrent_leases         = 10
  lambda_package_path           = local.package
  sfn_post_acquire_lease_state  = "ProcessWork"
  end_state_after_release_lease = true
  sfn_concurrency_key_jsonpath  = "$.tenant_id"
  max_concurrent_leases_per_key = 2
  sfn_on_busy                   = "fail"
  sfn_wait_strategy             = "retry"
}

module "fail_jsonata" {
  source = "../../.."

  name_prefix                   = "keys-fail-ja"
  lease_prefix                  = "keys-fail-ja"
  max_concurrent_leases         = 10
  lambda_package_path           = local.package
  sfn_post_acquire_lease_state  = "ProcessWork"
  end_state_after_release_lease = true
  sfn_query_language            = "JSONata"
  sfn_concurrency_key_jsonpath  = "$.tenant_id"
  max_concurrent_leases_per_key = 2
  sfn_on_busy                   = "fail"
}

locals {
  work         = { Type = "Task", Resource = local.worker, ResultPath = "$.work" }
  work_jsonata = { Type = "Task", QueryLanguage = "JSONata", Resource = local.worker, Output = "{% $merge([$states.input, {'work': $states.result}]) %}" }
  modules = {
    tenant_wait        = module.tenant_wait
    tenant_callback    = module.tenant_callback
    singleton_jsonpath = module.singleton_jsonpath
    singleton_jsonata  = module.singleton_jsonata
    fail_jsonpath      = module.fail_jsonpath
    fail_jsonata       = module.fail_jsonata
  }
  # What the workflow does when it does not get a lease: a skipped duplicate succeeds, a refused
  # acquire (caught around the fragment) ends in a Fail state of its own.
  not_held = {
    tenant_wait        = {}
    tenant_callback    = {}
    singleton_jsonpath = { AlreadyRunning = { Type = "Succeed", Comment = "This order is already being processed." } }
    singleton_jsonata  = { AlreadyRunning = { Type = "Succeed", Comment = "This order is already being processed." } }
    fail_jsonpath      = { NoCapacity = { Type = "Fail", Error = "NoCapacity", Cause = "The pool or the tenant is full." } }
    fail_jsonata       = { NoCapacity = { Type = "Fail", Error = "NoCapacity", Cause = "The pool or the tenant is full." } }
  }
  catch = [{ ErrorEquals = ["LeaseManager.LeaseUnavailable"], Next = "NoCapacity" }]

  definitions = { for name, m in local.modules : name => merge(
    { Comment = "keys: ${name}", StartAt = m.sfn_acquire_lease_state_name },
    m.sfn_lease_variable_name == null ? {} : { QueryLanguage = "JSONata" },
    {
      States = merge(
        jsondecode(m.acquire_lease_state),
        # The fail policy's error, caught around the fragment (merged onto the exported Task).
        length(regexall("^fail", name)) > 0 ? { (m.sfn_acquire_lease_state_name) = merge(jsondecode(m.acquire_lease_state)[m.sfn_acquire_lease_state_name], { Catch = local.catch }) } : {},
        { ProcessWork = merge(m.sfn_lease_variable_name == null ? local.work : local.work_jsonata, { Next = m.sfn_release_lease_state_name }) },
        jsondecode(m.release_lease_state),
        local.not_held[name],
      )
    },
  ) }
}

output "definition_keys_tenant_wait" {
  description = "JSONPath, poll: at most 10 at once, 2 per tenant (acme 4); a full tenant waits."
  value       = jsonencode(local.definitions.tenant_wait)
}

output "definition_keys_tenant_callback" {
  description = "JSONPath, callback + wait: at most 3 at once, 2 per tenant (solo 1); a full tenant queues in its own queue."
  value       = jsonencode(local.definitions.tenant_callback)
}

output "definition_keys_singleton_jsonpath" {
  description = "JSONPath: key limit 1 + skip, a singleton per order."
  value       = jsonencode(local.definitions.singleton_jsonpath)
}

output "definition_keys_singleton_jsonata" {
  description = "JSONata top level, callback strategy: key limit 1 + skip (nothing queues)."
  value       = jsonencode(local.definitions.singleton_jsonata)
}

output "definition_keys_fail_jsonpath" {
  description = "JSONPath, retry strategy overridden by fail: LeaseUnavailable caught around the fragment."
  value       = jsonencode(local.definitions.fail_jsonpath)
}

output "definition_keys_fail_jsonata" {
  description = "JSONata top level, fail: LeaseUnavailable caught around the fragment."
  value       = jsonencode(local.definitions.fail_jsonata)
}
