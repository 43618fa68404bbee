# The function's role grants exactly the DynamoDB calls src/ makes, pinned to its pool's partition.

mock_provider "aws" {
  source = "./tests/terraform/mocks"
}

run "function_role_grants_exactly_the_dynamodb_calls_the_code_makes" {
  command = apply

  # PutItem, UpdateItem, DeleteItem, Query and TransactWriteItems (authorised per item as
  # Put/Update/Delete); no GetItem, Scan, batch or table-level action.
  assert {
    condition     = sort([for s in jsondecode(aws_iam_role_policy.lambda[0].policy).Statement : s.Action if s.Sid == "UseOwnLeasePool"][0]) == sort(["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"])
    error_message = "the role grants exactly PutItem, UpdateItem, DeleteItem and Query"
  }
}

run "keys_add_condition_checks_for_the_prune_and_nothing_else" {
  command = apply

  variables {
    sfn_concurrency_key_jsonpath  = "$.tenant_id"
    max_concurrent_leases_per_key = 2
  }

  # A prune drops a key's slot only after a ConditionCheck that the slot holds no live lease of the key.
  assert {
    condition     = sort([for s in jsondecode(aws_iam_role_policy.lambda[0].policy).Statement : s.Action if s.Sid == "UseOwnLeasePool"][0]) == sort(["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query", "dynamodb:ConditionCheckItem"])
    error_message = "with keys the role also grants ConditionCheckItem"
  }
}
