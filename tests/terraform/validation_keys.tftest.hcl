# Validation of the concurrency key inputs: each bad value, and each input without the one it
# needs, is rejected at plan.

mock_provider "aws" {
  source = "./tests/terraform/mocks"
}

# The pool is keyed by $.tenant_id unless a run says otherwise (null: no JSONPath key).
variables {
  max_concurrent_leases        = 10
  sfn_post_acquire_lease_state = "Work"
  sfn_concurrency_key_jsonpath = "$.tenant_id"
}

# Each of the first three runs rejects one bad per-key limit, one bad override and one bad key, in
# one plan: their validations read their own input only.

run "rejects_a_zero_limit_and_override_and_a_key_path_without_dollar" {
  command = plan

  variables {
    max_concurrent_leases_per_key           = 0              # zero
    max_concurrent_leases_per_key_overrides = { "acme" = 0 } # an override of zero
    sfn_concurrency_key_jsonpath            = "tenant_id"    # path without $
  }

  expect_failures = [var.max_concurrent_leases_per_key, var.max_concurrent_leases_per_key_overrides, var.sfn_concurrency_key_jsonpath]
}

run "rejects_a_fractional_limit_an_empty_override_key_and_a_delimited_key_expression" {
  command = plan

  variables {
    max_concurrent_leases_per_key           = 1.5        # fractional
    max_concurrent_leases_per_key_overrides = { "" = 1 } # an empty key
    sfn_concurrency_key_jsonpath            = null
    sfn_query_language                      = "JSONata"
    sfn_concurrency_key_jsonata             = "{% $states.input.tenant %}" # expression with delimiters
  }

  expect_failures = [var.max_concurrent_leases_per_key, var.max_concurrent_leases_per_key_overrides, var.sfn_concurrency_key_jsonata]
}

run "rejects_a_limit_above_1000_an_override_key_over_256_characters_and_a_blank_key_expression" {
  command = plan

  variables {
    max_concurrent_leases                   = 1000
    max_concurrent_leases_per_key           = 1001                                            # above 1000
    max_concurrent_leases_per_key_overrides = { (join("", [for i in range(257) : "k"])) = 1 } # a key over 256 characters
    sfn_concurrency_key_jsonpath            = null
    sfn_query_language                      = "JSONata"
    sfn_concurrency_key_jsonata             = " " # blank expression
  }

  expect_failures = [var.max_concurrent_leases_per_key, var.max_concurrent_leases_per_key_overrides, var.sfn_concurrency_key_jsonata]
}

run "key_needs_a_per_key_limit" {
  command = plan

  expect_failures = [output.max_concurrent_leases_per_key]
}

run "per_key_limit_needs_a_key" {
  command = plan

  variables {
    sfn_concurrency_key_jsonpath  = null
    max_concurrent_leases_per_key = 2
  }

  expect_failures = [output.max_concurrent_leases_per_key]
}

run "overrides_need_a_per_key_limit" {
  command = plan

  variables {
    max_concurrent_leases_per_key_overrides = { "acme" = 2 }
  }

  expect_failures = [output.max_concurrent_leases_per_key]
}

run "per_key_limit_at_most_the_pool" {
  command = plan

  variables {
    max_concurrent_leases         = 5
    max_concurrent_leases_per_key = 6
  }

  expect_failures = [output.max_concurrent_leases_per_key]
}

run "override_at_most_the_pool" {
  command = plan

  variables {
    max_concurrent_leases                   = 5
    max_concurrent_leases_per_key           = 2
    max_concurrent_leases_per_key_overrides = { "acme" = 6 }
  }

  expect_failures = [output.max_concurrent_leases_per_key]
}

run "jsonpath_fragments_refuse_a_jsonata_key_alone" {
  command = plan

  variables {
    sfn_concurrency_key_jsonpath = null
    sfn_concurrency_key_jsonata  = "$states.input.tenant_id"
  }

  expect_failures = [output.acquire_lease_state]
}

run "jsonata_needs_an_expression_for_a_path_it_cannot_translate" {
  command = plan

  variables {
    sfn_query_language            = "JSONata"
    sfn_concurrency_key_jsonpath  = "$.tenants[0].id"
    max_concurrent_leases_per_key = 2
  }

  expect_failures = [output.acquire_lease_state, output.max_concurrent_leases_per_key]
}

run "accepts_the_bounds" {
  command = plan

  variables {
    max_concurrent_leases                   = 1000
    max_concurrent_leases_per_key           = 1000
    max_concurrent_leases_per_key_overrides = { (join("", [for i in range(256) : "k"])) = 1, "b" = 1000 }
    sfn_on_busy                             = "skip"
    sfn_post_skip_state                     = "Done"
  }

  assert {
    condition     = output.max_concurrent_leases_per_key == 1000 && length(jsondecode(aws_lambda_function.this[0].environment[0].variables.LEASE_KEY_LIMITS)) == 2
    error_message = "1000 per key, an override of 1 for a 256-character key; the skip state may be any other state"
  }
}
