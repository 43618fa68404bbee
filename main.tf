locals {
  create_table  = var.create && var.create_dynamodb_table
  create_lambda = var.create && var.create_lambdas

  # Every item of this pool lives in one partition; IAM pins the function to it (dynamodb:LeadingKeys).
  pool_key = "pool#${var.lease_prefix}"

  table_name = var.ddb_table_name != "" ? var.ddb_table_name : "${var.name_prefix}-leases"
  table_arn = (
    local.create_table ? local.created_table.arn :
    var.create && !var.create_dynamodb_table ? data.aws_dynamodb_table.external[0].arn : null
  )

  function_name = "${var.name_prefix}-lease-manager"
  use_kms       = var.kms_key_arn != ""
}

# A reused table must exist: reading it fails the plan early, with the table's name in the message.
#
# Keep the precondition even where ddb_table_name is always set: it is also what lets one apply
# create the table in one module instance and read it in another (examples/shared-table).
# Terraform defers reading a data source that has custom conditions while anything it depends on
# has pending changes; without one the table's name is known at plan, the read happens during the
# plan, before the table exists, and fails with "couldn't find resource". tests/apply covers it.
data "aws_dynamodb_table" "external" {
  count = var.create && !var.create_dynamodb_table ? 1 : 0

  name = var.ddb_table_name

  lifecycle {
    precondition {
      condition     = var.ddb_table_name != ""
      error_message = "create_dynamodb_table = false reuses an existing table: set ddb_table_name to its name."
    }
  }
}
