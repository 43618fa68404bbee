# The function's role grants exactly the DynamoDB calls src/ makes, pinned to its pool's partition.

mock_provider "aws" {
  source = "./tests/terraform/mocks"
}

variables {
  lambda_package_path = "tests/terraform/fixtures/lease-manager-test.zip"
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
