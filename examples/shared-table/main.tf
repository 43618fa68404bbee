locals {
  name = "shared-lease-platform"

  # Work items per workload: each child execution holds a lease while it "works" for a few seconds.
  workloads = {
    analytics = { items = 30, leases = 15 }
    batch     = { items = 20, leases = 5 }
  }
  work_items = {
    for workload, w in local.workloads : workload => [
      for i in range(w.items) : { item_id = "${workload}-${format("%03d", i + 1)}", work_seconds = 2 + (i * 7) % 5 }
    ]
  }

  # The callback strategy's .waitForTaskToken exists in Standard workflows only (here: the Distributed
  # Map's child workflows); each state machine checks its type at plan time.
  workflow_type = "STANDARD"

  # The account id without another data source: it is part of the table's ARN.
  account_id = split(":", module.regional_lease_store.dynamodb_table_arn)[4]
  state_machine_arn = {
    for workload in keys(local.workloads) :
    workload => "arn:${data.aws_partition.current.partition}:states:${var.region}:${local.account_id}:stateMachine:${local.name}-${workload}-workflow"
  }
}

data "aws_partition" "current" {}

################################################################################
# One table for the region, owned by the platform team
################################################################################

module "regional_lease_store" {
  source = "../.."

  name_prefix    = local.name
  create_lambdas = false
  ddb_table_name = var.shared_table_name
}

################################################################################
# One lease manager per workload, each in its own pool of the shared table
################################################################################

module "workload_lease" {
  source   = "../.."
  for_each = local.workloads

  name_prefix           = "${local.name}-${each.key}"
  create_dynamodb_table = false
  ddb_table_name        = module.regional_lease_store.dynamodb_table_name
  lease_prefix          = each.key
  max_concurrent_leases = each.value.leases
  lambda_package_path   = var.lease_manager_package_path

  # A full pool queues the item; a freed slot goes straight to the next item in line.
  sfn_resource_id_jsonpath      = "$.item_id"
  sfn_post_acquire_lease_state  = "Process"
  end_state_after_release_lease = true
  sfn_wait_strategy             = "callback"
}

################################################################################
# Work items, read by each Distributed Map
################################################################################

resource "aws_s3_bucket" "work_items" {
  bucket_prefix = "${local.name}-items-"
  force_destroy = true
}

resource "aws_s3_object" "items" {
  for_each = local.work_items

  bucket       = aws_s3_bucket.work_items.id
  key          = "${each.key}/items.json"
  content      = jsonencode(each.value)
  content_type = "application/json"
}

################################################################################
# Workflows: every item runs AcquireLease -> (WaitForLease) -> Process -> ReleaseLease
################################################################################

locals {
  definitions = {
    for workload in keys(local.workloads) : workload => {
      lease  = module.workload_lease[workload]
      object = aws_s3_object.items[workload]
    }
  }

  rendered = {
    for workload, d in local.definitions : workload => jsonencode({
      Comment = "${workload}: ${local.workloads[workload].items} items, at most ${local.workloads[workload].leases} at once"
      StartAt = "ProcessItems"
      States = {
        ProcessItems = {
          Type = "Map"
          ItemReader = {
            Resource     = "arn:${data.aws_partition.current.partition}:states:::s3:getObject"
            ReaderConfig = { InputType = "JSON" }
            Parameters   = { Bucket = d.object.bucket, Key = d.object.key }
          }
          # The Map would start every item at once; the lease keeps the work to the pool's limit.
          MaxConcurrency = local.workloads[workload].items
          Label          = "${workload}Items"
          ItemProcessor = {
            ProcessorConfig = { Mode = "DISTRIBUTED", ExecutionType = local.workflow_type }
            StartAt         = d.lease.sfn_acquire_lease_state_name
            States = merge(
              jsondecode(d.lease.acquire_lease_state),
              {
                Process = {
                  Type        = "Wait"
                  Comment     = "Stands in for the real work: holds the lease for work_seconds."
                  SecondsPath = "$.work_seconds"
                  Next        = d.lease.sfn_release_lease_state_name
                }
              },
              jsondecode(d.lease.release_lease_state),
            )
          }
          End = true
        }
      }
    })
  }
}

resource "aws_sfn_state_machine" "workflow" {
  for_each = local.rendered

  name       = "${local.name}-${each.key}-workflow"
  type       = local.workflow_type
  role_arn   = aws_iam_role.workflow[each.key].arn
  definition = each.value

  lifecycle {
    precondition {
      condition     = contains(local.definitions[each.key].lease.sfn_workflow_types, local.workflow_type)
      error_message = "The ${each.key} lease fragments run in ${join(" or ", local.definitions[each.key].lease.sfn_workflow_types)} workflows only (sfn_wait_strategy = \"callback\" waits on a .waitForTaskToken Task, which Express workflows do not support)."
    }
  }
}

################################################################################
# IAM: invoke the workload's own lease manager, read its items, run child executions
################################################################################

data "aws_iam_policy_document" "workflow_assume_role" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["states.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "s3_access" {
  for_each = local.definitions

  statement {
    sid       = "ReadWorkItems"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.work_items.arn}/${each.value.object.key}"]
  }
}

data "aws_iam_policy_document" "workflow" {
  for_each = local.definitions

  source_policy_documents = [each.value.lease.lambda_permissions, data.aws_iam_policy_document.s3_access[each.key].json]

  # A Distributed Map runs each item as a child execution of this same state machine.
  statement {
    sid       = "StartChildExecutions"
    actions   = ["states:StartExecution"]
    resources = [local.state_machine_arn[each.key]]
  }

  statement {
    sid       = "ManageChildExecutions"
    actions   = ["states:DescribeExecution", "states:StopExecution"]
    resources = ["${replace(local.state_machine_arn[each.key], ":stateMachine:", ":execution:")}:*"]
  }
}

resource "aws_iam_role" "workflow" {
  for_each = local.definitions

  name               = "${local.name}-${each.key}-workflow"
  assume_role_policy = data.aws_iam_policy_document.workflow_assume_role.json
}

resource "aws_iam_role_policy" "workflow" {
  for_each = local.definitions

  role   = aws_iam_role.workflow[each.key].id
  policy = data.aws_iam_policy_document.workflow[each.key].json
}
