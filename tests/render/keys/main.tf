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

  # Each case's pool, query language, wait strategy and busy policy, named in full (JSONPath, poll
  # and wait are the module's defaults); a key expression, limit and overrides where it has them.
  cases = {
    # At most 10 at once, at most 2 per tenant (acme 4); a full tenant waits like a full pool.
    tenant_wait = { name = "keys-tenant", pool = 10, language = "JSONPath", wait = "poll", on_busy = "wait", key_jsonpath = "$.tenant_id", per_key = 2, per_key_overrides = { acme = 4 } }
    # The callback strategy with keys: at most 3 at once, 2 per tenant (solo 1); a waiter whose
    # tenant is full waits in its tenant's own queue and holds up no other tenant.
    tenant_callback = { name = "keys-callback", pool = 3, language = "JSONPath", wait = "callback", on_busy = "wait", key_jsonpath = "$.tenant_id", per_key = 2, per_key_overrides = { solo = 1 } }
    # A singleton per order: a second execution for an order in flight skips the work.
    singleton_jsonpath = { name = "keys-singleton-jp", pool = 10, language = "JSONPath", wait = "poll", on_busy = "skip", key_jsonpath = "$.order_id", per_key = 1 }
    singleton_jsonata  = { name = "keys-singleton-ja", pool = 10, language = "JSONata", wait = "callback", on_busy = "skip", key_jsonata = "$states.input.order.region & '/' & $states.input.order.id", per_key = 1 }
    # A full pool or tenant fails the acquire at once; the workflow catches it.
    fail_jsonpath = { name = "keys-fail-jp", pool = 10, language = "JSONPath", wait = "retry", on_busy = "fail", key_jsonpath = "$.tenant_id", per_key = 2 }
    fail_jsonata  = { name = "keys-fail-ja", pool = 10, language = "JSONata", wait = "poll", on_busy = "fail", key_jsonpath = "$.tenant_id", per_key = 2 }
  }

  # What the workflow does when it does not get a lease, by busy policy: a skipped duplicate
  # succeeds, a refused acquire (caught around the fragment) ends in a Fail state of its own.
  not_held = {
    wait = {}
    skip = { AlreadyRunning = { Type = "Succeed", Comment = "This order is already being processed." } }
    fail = { NoCapacity = { Type = "Fail", Error = "NoCapacity", Cause = "The pool or the tenant is full." } }
  }
  catch = [{ ErrorEquals = ["LeaseManager.LeaseUnavailable"], Next = "NoCapacity" }]
}

module "keys_lease" {
  source   = "../../.."
  for_each = local.cases

  name_prefix                             = each.value.name
  lease_prefix                            = each.value.name
  max_concurrent_leases                   = each.value.pool
  lambda_package_path                     = local.package
  sfn_post_acquire_lease_state            = "ProcessWork"
  end_state_after_release_lease           = true
  sfn_query_language                      = each.value.language
  sfn_wait_strategy                       = each.value.wait
  sfn_callback_timeout_seconds            = 30
  sfn_on_busy                             = each.value.on_busy
  sfn_post_skip_state                     = each.value.on_busy == "skip" ? "AlreadyRunning" : null
  sfn_concurrency_key_jsonpath            = try(each.value.key_jsonpath, null)
  sfn_concurrency_key_jsonata             = try(each.value.key_jsonata, null)
  max_concurrent_leases_per_key           = each.value.per_key
  max_concurrent_leases_per_key_overrides = try(each.value.per_key_overrides, {})
}

module "workflow" {
  source   = "../modules/workflow"
  for_each = module.keys_lease

  lease         = each.value
  worker        = local.worker
  comment       = "keys: ${each.key}"
  acquire_catch = local.cases[each.key].on_busy == "fail" ? local.catch : null
  extra_states  = local.not_held[local.cases[each.key].on_busy]
}

locals {
  # Decoded, for the assertions of tests/render.tftest.hcl.
  definitions = { for name, w in module.workflow : name => jsondecode(w.definition) }
}

output "definition_keys_tenant_wait" {
  description = "JSONPath, poll: at most 10 at once, 2 per tenant (acme 4); a full tenant waits."
  value       = module.workflow["tenant_wait"].definition
}

output "definition_keys_tenant_callback" {
  description = "JSONPath, callback + wait: at most 3 at once, 2 per tenant (solo 1); a full tenant queues in its own queue."
  value       = module.workflow["tenant_callback"].definition
}

output "definition_keys_singleton_jsonpath" {
  description = "JSONPath: key limit 1 + skip, a singleton per order."
  value       = module.workflow["singleton_jsonpath"].definition
}

output "definition_keys_singleton_jsonata" {
  description = "JSONata top level, callback strategy: key limit 1 + skip (nothing queues)."
  value       = module.workflow["singleton_jsonata"].definition
}

output "definition_keys_fail_jsonpath" {
  description = "JSONPath, retry strategy overridden by fail: LeaseUnavailable caught around the fragment."
  value       = module.workflow["fail_jsonpath"].definition
}

output "definition_keys_fail_jsonata" {
  description = "JSONata top level, fail: LeaseUnavailable caught around the fragment."
  value       = module.workflow["fail_jsonata"].definition
}
