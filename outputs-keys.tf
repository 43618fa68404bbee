################################################################################
# Concurrency keys
################################################################################

output "max_concurrent_leases_per_key" {
  description = "With concurrency keys: most leases one key may hold at once (the keys of max_concurrent_leases_per_key_overrides have their own limits); null without keys or when create = false."
  value       = var.create && local.keys_on ? var.max_concurrent_leases_per_key : null

  precondition {
    condition     = !local.keys_on || var.max_concurrent_leases_per_key != null
    error_message = "The fragments send a concurrency key (sfn_concurrency_key_jsonpath or sfn_concurrency_key_jsonata): set max_concurrent_leases_per_key, the most leases one key may hold at once."
  }

  precondition {
    condition     = local.keys_on || var.max_concurrent_leases_per_key == null
    error_message = "max_concurrent_leases_per_key limits each concurrency key: set the key expression of your query language (sfn_concurrency_key_jsonpath for JSONPath fragments, sfn_concurrency_key_jsonata or a plain dotted sfn_concurrency_key_jsonpath for JSONata), or leave it null."
  }

  precondition {
    condition     = length(var.max_concurrent_leases_per_key_overrides) == 0 || var.max_concurrent_leases_per_key != null
    error_message = "max_concurrent_leases_per_key_overrides needs max_concurrent_leases_per_key (the limit of every key it does not name)."
  }

  precondition {
    condition     = alltrue([for limit in concat([coalesce(var.max_concurrent_leases_per_key, 1)], values(var.max_concurrent_leases_per_key_overrides)) : limit <= var.max_concurrent_leases])
    error_message = "max_concurrent_leases_per_key and every max_concurrent_leases_per_key_overrides value must be at most max_concurrent_leases: a key can never hold more leases than the pool."
  }
}
