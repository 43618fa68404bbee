locals {
  # The Glue Task's Retry (the pipeline's "2 retries with exponential backoff").
  glue_retry = { max_attempts = 2, interval_seconds = 60, backoff_rate = 2 }
  # One attempt of the Glue Task may last the job's timeout plus time for Glue to start the run;
  # the Task's TimeoutSeconds stops waiting after that, so it bounds the attempt for certain.
  glue_attempt_seconds = var.glue_job_timeout_minutes * 60 + 300
  # The lease is acquired before the Glue Task and released after its last attempt: it must outlive
  # every attempt and each backoff in between (60 s, then 120 s), because a .sync Task cannot renew it.
  glue_task_max_seconds = (
    (1 + local.glue_retry.max_attempts) * local.glue_attempt_seconds
    + sum([for i in range(local.glue_retry.max_attempts) : local.glue_retry.interval_seconds * pow(local.glue_retry.backoff_rate, i)])
  )
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

################################################################################
# The batches the pipeline tracks, and where a final failure is reported
################################################################################

resource "aws_dynamodb_table" "batches" {
  name         = "${var.name_prefix}-batches"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "batch_id"

  attribute {
    name = "batch_id"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }
}

# With no policy of its own the key gets AWS's default key policy, which delegates to IAM: the
# pipeline's role is allowed to use it for publishing by its identity policy.
resource "aws_kms_key" "alerts" {
  description             = "${var.name_prefix}: failure alerts topic"
  deletion_window_in_days = 7
  enable_key_rotation     = true
}

# Subscribe your pager or chat integration: one message per batch that failed every attempt.
resource "aws_sns_topic" "alerts" {
  name              = "${var.name_prefix}-alerts"
  kms_master_key_id = aws_kms_key.alerts.arn
}

################################################################################
# The lease in front of the Glue job: at most max_concurrent_jobs runs at once
################################################################################

module "glue_lease" {
  source = "../.."

  name_prefix                = "${var.name_prefix}-glue"
  lease_prefix               = "glue"
  max_concurrent_leases      = var.max_concurrent_jobs
  max_lease_duration_seconds = var.max_lease_duration_seconds
  lambda_package_path        = var.lease_manager_package_path

  # Executions arrive as {"batch_id": ..., "manifest_path": ...}: one lease per batch, kept under
  # $.lease. A full pool queues the batch; a freed slot goes straight to the next one in line.
  sfn_resource_id_jsonpath      = "$.batch_id"
  sfn_lease_result_path         = "$.lease"
  sfn_release_lease_result_path = "$.release"
  sfn_post_acquire_lease_state  = "RunGlueJob"
  sfn_post_release_lease_state  = "CheckJobOutcome"
  sfn_wait_strategy             = "callback"

  # An execution stopped while its Glue job runs (Step Functions then stops the job run) gives
  # its lease back at once instead of after max_lease_duration_seconds.
  reclaim_on_execution_failure = true
  reclaim_state_machine_arns   = [aws_sfn_state_machine.pipeline.arn]
}
