# Concurrency keys and sfn_on_busy: the key in both query languages, the per-key limits in the
# functions' environment, and what a busy acquire leads to (wait, fail, skip) with every wait
# strategy, rendering only the states that can be reached.

mock_provider "aws" {
  source = "./tests/terraform/mocks"
}

variables {
  max_concurrent_leases        = 10
  sfn_post_acquire_lease_state = "Work"
}

run "without_a_key_nothing_changes" {
  command = apply

  assert {
    condition = (
      !contains(keys(aws_lambda_function.this[0].environment[0].variables), "LEASE_MAX_CONCURRENT_PER_KEY")
      && !contains(keys(aws_lambda_function.this[0].environment[0].variables), "LEASE_KEY_LIMITS")
      && !contains(keys(aws_lambda_function.admin[0].environment[0].variables), "LEASE_MAX_CONCURRENT_PER_KEY")
    )
    error_message = "no key variables in either function's environment without keys"
  }

  assert {
    condition     = !contains(keys(jsondecode(output.acquire_lease_state).AcquireLease.Parameters.Payload), "concurrency_key.$") && output.max_concurrent_leases_per_key == null
    error_message = "no key in the payload; max_concurrent_leases_per_key is null"
  }

  assert {
    condition     = jsondecode(output.acquire_lease_state).AcquireLease.ResultSelector["limited_by.$"] == "$.Payload.limited_by"
    error_message = "the answer's limited_by is selected (null on acquired, pool or key on wait)"
  }
}

run "jsonpath_key_with_limits_and_overrides" {
  command = apply

  variables {
    sfn_concurrency_key_jsonpath            = "$.tenant_id"
    max_concurrent_leases_per_key           = 2
    max_concurrent_leases_per_key_overrides = { "acme" = 4, "tiny co" = 1 }
  }

  assert {
    condition = (
      aws_lambda_function.this[0].environment[0].variables.LEASE_MAX_CONCURRENT_PER_KEY == "2"
      && jsondecode(aws_lambda_function.this[0].environment[0].variables.LEASE_KEY_LIMITS) == { "acme" = 4, "tiny co" = 1 }
      && aws_lambda_function.this[0].environment[0].variables.LEASE_MAX_CONCURRENT == "10"
    )
    error_message = "the function is given the per-key limit and the overrides as JSON"
  }

  assert {
    condition     = { for k, v in aws_lambda_function.admin[0].environment[0].variables : k => v if k != "LEASE_ADMIN_ACTIONS" } == { for k, v in aws_lambda_function.this[0].environment[0].variables : k => v if k != "LEASE_ADMIN_ACTIONS" }
    error_message = "the admin function reads the same key limits"
  }

  assert {
    condition     = jsondecode(output.acquire_lease_state).AcquireLease.Parameters.Payload["concurrency_key.$"] == "$.tenant_id" && output.max_concurrent_leases_per_key == 2
    error_message = "the acquire sends the key from the input"
  }

  assert {
    condition     = jsondecode(output.acquire_lease_state).AcquireLease.Comment == "Acquire a lease of pool '' (at most 10 at once, at most 2 per concurrency key). Idempotent per execution and resource id."
    error_message = "the comment names both limits"
  }

  assert {
    condition = (
      keys(jsondecode(output.acquire_lease_state)) == ["AcquireLease", "CheckLeaseStatus", "WaitForLease"]
      && jsondecode(output.acquire_lease_state).CheckLeaseStatus.Choices[1] == { Variable = "$.acquireLease.status", StringEquals = "wait", Next = "WaitForLease" }
      && !contains(keys(jsondecode(output.acquire_lease_state).CheckLeaseStatus), "Default")
      && !contains(keys(jsondecode(output.acquire_lease_state).AcquireLease.Parameters.Payload), "fail_if_unavailable")
    )
    error_message = "a full key waits like a full pool (poll, the default on_busy = wait)"
  }
}

run "without_overrides_no_key_limits_variable" {
  command = apply

  variables {
    sfn_concurrency_key_jsonpath  = "$.tenant_id"
    max_concurrent_leases_per_key = 3
  }

  assert {
    condition     = aws_lambda_function.this[0].environment[0].variables.LEASE_MAX_CONCURRENT_PER_KEY == "3" && !contains(keys(aws_lambda_function.this[0].environment[0].variables), "LEASE_KEY_LIMITS")
    error_message = "LEASE_KEY_LIMITS is left out when there are no overrides"
  }
}

run "jsonata_derives_the_key_from_a_plain_path" {
  command = apply

  variables {
    sfn_query_language            = "JSONata"
    sfn_concurrency_key_jsonpath  = "$.tenant.id"
    max_concurrent_leases_per_key = 2
  }

  assert {
    condition     = jsondecode(output.acquire_lease_state).AcquireLease.Arguments.Payload.concurrency_key == "{% $states.input.tenant.id %}"
    error_message = "$.tenant.id reads $states.input.tenant.id"
  }

  assert {
    condition     = strcontains(jsondecode(output.acquire_lease_state).AcquireLease.Assign.lease, "'limited_by': limited_by")
    error_message = "$lease.limited_by holds which limit was hit"
  }
}

run "jsonata_expression_wins" {
  command = apply

  variables {
    sfn_query_language            = "JSONata"
    sfn_concurrency_key_jsonpath  = "$.ignored"
    sfn_concurrency_key_jsonata   = "$states.input.region & '/' & $states.input.tenant"
    max_concurrent_leases_per_key = 2
  }

  assert {
    condition     = jsondecode(output.acquire_lease_state).AcquireLease.Arguments.Payload.concurrency_key == "{% $states.input.region & '/' & $states.input.tenant %}" && aws_lambda_function.this[0].environment[0].variables.LEASE_MAX_CONCURRENT_PER_KEY == "2"
    error_message = "sfn_concurrency_key_jsonata is the JSONata key expression"
  }
}

run "jsonpath_fragments_ignore_a_jsonata_key_beside_their_own" {
  command = apply

  variables {
    sfn_concurrency_key_jsonpath  = "$.tenant_id"
    sfn_concurrency_key_jsonata   = "$states.input.tenant_id"
    max_concurrent_leases_per_key = 2
  }

  assert {
    condition     = jsondecode(output.acquire_lease_state).AcquireLease.Parameters.Payload["concurrency_key.$"] == "$.tenant_id"
    error_message = "one module can carry both expressions; each language reads its own"
  }
}
