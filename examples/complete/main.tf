locals {
  # Every tenth job is urgent: with the callback strategy it goes ahead of the queued others.
  jobs = [for i in range(var.jobs) : { id = format("job-%03d", i + 1), seconds = 1 + (i * 3) % 4, priority = i % 10 == 9 ? 10 : 0 }]

  # The callback strategy's .waitForTaskToken exists in Standard workflows only; the state machine
  # checks its type against the module's sfn_workflow_types at plan time.
  workflow_type = "STANDARD"
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

################################################################################
# Customer-managed key for the lease table and the functions' environment
################################################################################

resource "aws_kms_key" "leases" {
  description             = "${var.name_prefix}: lease table and lease-manager environment"
  deletion_window_in_days = 7
  enable_key_rotation     = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      # Delegate to IAM: the lease managers' roles get kms:Decrypt on this key from the module.
      Sid       = "AccountAdministersThroughIam"
      Effect    = "Allow"
      Principal = { AWS = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root" }
      Action    = "kms:*"
      Resource  = "*"
      }, {
      # CloudWatch alarms publish to the encrypted on-call topic: SNS needs the sender to use the key.
      Sid       = "CloudWatchAlarmsPublishToTheTopic"
      Effect    = "Allow"
      Principal = { Service = "cloudwatch.amazonaws.com" }
      Action    = ["kms:Decrypt", "kms:GenerateDataKey*"]
      Resource  = "*"
    }]
  })
}

resource "aws_kms_alias" "leases" {
  name          = "alias/${var.name_prefix}-leases"
  target_key_id = aws_kms_key.leases.key_id
}

################################################################################
# The orders pool: a dedicated, production-grade table
################################################################################

# Where the pool's alarms go (subscribe your pager or chat integration to it).
resource "aws_sns_topic" "on_call" {
  name              = "${var.name_prefix}-on-call"
  kms_master_key_id = aws_kms_key.leases.arn
}

module "orders_lease" {
  source = "../.."

  name_prefix                = "${var.name_prefix}-orders"
  lease_prefix               = "orders"
  max_concurrent_leases      = var.max_concurrent_jobs
  max_lease_duration_seconds = 300
  lambda_package_path        = var.lease_manager_package_path
  lambda_memory_size         = 512
  lambdas_tracing_enabled    = true
  kms_key_arn                = aws_kms_key.leases.arn

  ddb_table_name                     = "${var.name_prefix}-leases"
  ddb_billing_mode                   = "PROVISIONED"
  ddb_read_capacity                  = 5
  ddb_write_capacity                 = 5
  ddb_autoscaling_enabled            = true
  ddb_autoscaling_read               = { max_capacity = 100 }
  ddb_autoscaling_write              = { max_capacity = 200, target_value = 60 }
  ddb_point_in_time_recovery_enabled = true
  ddb_deletion_protection_enabled    = false # true in production; off so `terraform destroy` works here
  cloudwatch_logs_retention_in_days  = 30

  powertools_configuration = {
    service_name       = "orders-lease"
    log_level          = "INFO"
    logger_sample_rate = 0.05
    metrics_namespace  = "CompleteExample"
  }

  # The operator's view: a dashboard for the pool, and alarms on leases expiring unreleased and on
  # unexpected function errors, sent to the on-call topic.
  create_dashboard    = true
  create_alarms       = true
  alarm_sns_topic_arn = aws_sns_topic.on_call.arn

  # The jobs arrive as {"job": {"id": ..., "seconds": ..., "priority": ...}}; keep lease data under
  # $.lease. A full pool queues the job (callback strategy): a freed slot goes straight to the next
  # job in line, urgent ones first, and a sweep every minute hands on leases a crashed run left.
  sfn_resource_id_jsonpath      = "$.job.id"
  sfn_lease_result_path         = "$.lease"
  sfn_release_lease_result_path = "$.release"
  sfn_post_acquire_lease_state  = "RunJob"
  end_state_after_release_lease = true
  sfn_wait_strategy             = "callback"
  sfn_priority_jsonpath         = "$.job.priority"
  sfn_task_retry                = { max_attempts = 8, max_delay_seconds = 20 }

  # A failed or aborted run gives its leases back at once instead of after 5 minutes. The workflow
  # uses this module's fragments and the module watches the workflow: Terraform resolves module
  # inputs and outputs separately, so this is not a cycle.
  reclaim_on_execution_failure = true
  reclaim_state_machine_arns   = [aws_sfn_state_machine.workflow.arn]
}

################################################################################
# The workflow: 50 jobs fanned out by a Map, at most max_concurrent_jobs at once
################################################################################

locals {
  definition = jsonencode({
    Comment = "Fan ${var.jobs} jobs out; the orders lease keeps at most ${var.max_concurrent_jobs} running."
    StartAt = "ListJobs"
    States = {
      ListJobs = {
        Type   = "Pass"
        Result = local.jobs
        # Keeps the execution input (and any fields it carries) next to the job list.
        ResultPath = "$.jobs"
        Next       = "FanOut"
      }
      FanOut = {
        Type           = "Map"
        ItemsPath      = "$.jobs"
        MaxConcurrency = var.jobs
        # Each iteration gets its job; iterations share the execution id, so the job id is what
        # tells their leases apart (the owner key is execution id + resource id).
        ItemSelector = { "job.$" = "$$.Map.Item.Value" }
        ItemProcessor = {
          ProcessorConfig = { Mode = "INLINE" }
          StartAt         = module.orders_lease.sfn_acquire_lease_state_name
          States = merge(
            jsondecode(module.orders_lease.acquire_lease_state),
            {
              RunJob = {
                Type        = "Wait"
                Comment     = "Stands in for the job: holds the lease for job.seconds."
                SecondsPath = "$.job.seconds"
                Next        = module.orders_lease.sfn_release_lease_state_name
              }
            },
            jsondecode(module.orders_lease.release_lease_state),
          )
        }
        ResultPath = null
        End        = true
      }
    }
  })
}

resource "aws_cloudwatch_log_group" "workflow" {
  name              = "/aws/vendedlogs/states/${var.name_prefix}-workflow"
  retention_in_days = 30
}

resource "aws_sfn_state_machine" "workflow" {
  name       = "${var.name_prefix}-workflow"
  type       = local.workflow_type
  role_arn   = aws_iam_role.workflow.arn
  definition = local.definition

  logging_configuration {
    level                  = "ALL"
    include_execution_data = true
    log_destination        = "${aws_cloudwatch_log_group.workflow.arn}:*"
  }

  tracing_configuration {
    enabled = true
  }

  lifecycle {
    precondition {
      condition     = contains(module.orders_lease.sfn_workflow_types, local.workflow_type)
      error_message = "The orders lease fragments run in ${join(" or ", module.orders_lease.sfn_workflow_types)} state machines only (sfn_wait_strategy = \"callback\" waits on a .waitForTaskToken Task, which Express workflows do not support)."
    }
  }
}

################################################################################
# IAM for the workflow
################################################################################

locals {
  # Step Functions of this account only may assume the workflows' roles (orders and reporting).
  states_trust_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "states.amazonaws.com" }
      Condition = { StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id } }
    }]
  })
}

resource "aws_iam_role" "workflow" {
  name               = "${var.name_prefix}-workflow"
  assume_role_policy = local.states_trust_policy
}

resource "aws_iam_role_policy" "invoke_lease_manager" {
  name   = "invoke-lease-manager"
  role   = aws_iam_role.workflow.id
  policy = module.orders_lease.lambda_permissions
}

resource "aws_iam_role_policy" "observability" {
  name = "logs-and-traces"
  role = aws_iam_role.workflow.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        # Step Functions log delivery is configured through these account-level calls; AWS
        # documents Resource "*" for them.
        Sid    = "DeliverExecutionLogs"
        Effect = "Allow"
        Action = [
          "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
          "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
        ]
        Resource = "*"
      },
      {
        Sid      = "WriteTraces"
        Effect   = "Allow"
        Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]
        Resource = "*"
      },
    ]
  })
}
