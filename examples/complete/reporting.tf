################################################################################
# The reporting pool: a second lease manager on the same table, limited per tenant
################################################################################

# At most 10 reports at once, and at most 2 of any one tenant (4 for the enterprise tenant), so one
# tenant's burst cannot take every slot. Requests arrive as {"tenant_id": ..., "report_id": ...}.
module "reporting_lease" {
  source = "../.."

  name_prefix           = "${var.name_prefix}-reporting"
  create_dynamodb_table = false
  ddb_table_name        = module.orders_lease.dynamodb_table_name
  lease_prefix          = "reporting"
  max_concurrent_leases = 10
  lambda_package_path   = var.lease_manager_package_path
  kms_key_arn           = aws_kms_key.leases.arn

  sfn_resource_id_jsonpath                = "$.report_id"
  sfn_concurrency_key_jsonpath            = "$.tenant_id"
  max_concurrent_leases_per_key           = 2
  max_concurrent_leases_per_key_overrides = { "tenant-enterprise" = 4 }

  # A full tenant (or pool) waits and asks again every 5 seconds (poll, the default); the callback
  # strategy would queue it in its tenant's own queue instead.
  sfn_post_acquire_lease_state  = "BuildReport"
  end_state_after_release_lease = true
}

locals {
  reporting_definition = jsonencode({
    Comment = "Build one tenant's report: at most 10 at once, at most 2 per tenant."
    StartAt = module.reporting_lease.sfn_acquire_lease_state_name
    States = merge(
      jsondecode(module.reporting_lease.acquire_lease_state),
      {
        BuildReport = {
          Type    = "Wait"
          Comment = "Stands in for building the report while holding the lease."
          Seconds = 2
          Next    = module.reporting_lease.sfn_release_lease_state_name
        }
      },
      jsondecode(module.reporting_lease.release_lease_state),
    )
  })
}

resource "aws_sfn_state_machine" "reporting" {
  name       = "${var.name_prefix}-reporting"
  type       = "STANDARD"
  role_arn   = aws_iam_role.reporting.arn
  definition = local.reporting_definition
}

resource "aws_iam_role" "reporting" {
  name               = "${var.name_prefix}-reporting"
  assume_role_policy = local.states_trust_policy
}

resource "aws_iam_role_policy" "reporting_invoke_lease_manager" {
  name   = "invoke-lease-manager"
  role   = aws_iam_role.reporting.id
  policy = module.reporting_lease.lambda_permissions
}
