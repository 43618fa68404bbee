################################################################################
# The pipeline: mark the batch processing, run the Glue job under a lease, mark the outcome
################################################################################

locals {
  # One status update of the batch item; `extra` adds attributes to the SET.
  mark_batch = { for status, extra in {
    processing = { execution_arn = "$$.Execution.Id" }
    completed  = { glue_job_run_id = "$.glue.JobRunId" }
    failed     = { error = "$.glue_error.Error" }
    } : status => {
    Type     = "Task"
    Resource = "arn:${data.aws_partition.current.partition}:states:::dynamodb:updateItem"
    Parameters = {
      TableName                 = aws_dynamodb_table.batches.name
      Key                       = { batch_id = { "S.$" = "$.batch_id" } }
      UpdateExpression          = "SET #status = :status, #updated_at = :now, ${join(", ", [for k in keys(extra) : "#${k} = :${k}"])}"
      ExpressionAttributeNames  = merge({ "#status" = "status", "#updated_at" = "updated_at" }, { for k in keys(extra) : "#${k}" => k })
      ExpressionAttributeValues = merge({ ":status" = { S = status }, ":now" = { "S.$" = "$$.State.EnteredTime" } }, { for k, path in extra : ":${k}" => { "S.$" = path } })
    }
    ResultPath = null
  } }

  definition = jsonencode({
    Comment = "One batch: processing, the Glue job under the glue lease (at most ${var.max_concurrent_jobs} at once), then completed, or failed with an alert."
    StartAt = "MarkProcessing"
    States = merge(
      { MarkProcessing = merge(local.mark_batch.processing, { Next = module.glue_lease.sfn_acquire_lease_state_name }) },
      jsondecode(module.glue_lease.acquire_lease_state),
      {
        RunGlueJob = {
          Type     = "Task"
          Resource = "arn:${data.aws_partition.current.partition}:states:::glue:startJobRun.sync"
          Parameters = {
            JobName   = aws_glue_job.process_batch.name
            Arguments = { "--MANIFEST_PATH.$" = "$.manifest_path", "--BATCH_ID.$" = "$.batch_id" }
          }
          TimeoutSeconds = local.glue_attempt_seconds
          ResultSelector = { "JobRunId.$" = "$.Id", "JobRunState.$" = "$.JobRunState" }
          ResultPath     = "$.glue"
          Retry = [{
            ErrorEquals     = ["States.ALL"]
            IntervalSeconds = local.glue_retry.interval_seconds
            MaxAttempts     = local.glue_retry.max_attempts
            BackoffRate     = local.glue_retry.backoff_rate
          }]
          # Every way out of the Glue Task goes through ReleaseLease: success and final failure.
          Catch = [{ ErrorEquals = ["States.ALL"], ResultPath = "$.glue_error", Next = module.glue_lease.sfn_release_lease_state_name }]
          Next  = module.glue_lease.sfn_release_lease_state_name
        }
      },
      jsondecode(module.glue_lease.release_lease_state),
      {
        CheckJobOutcome = {
          Type    = "Choice"
          Choices = [{ Variable = "$.glue_error", IsPresent = true, Next = "MarkFailed" }]
          Default = "MarkCompleted"
        }
        MarkCompleted = merge(local.mark_batch.completed, { End = true })
        MarkFailed    = merge(local.mark_batch.failed, { Next = "PublishAlert" })
        PublishAlert = {
          Type     = "Task"
          Resource = "arn:${data.aws_partition.current.partition}:states:::sns:publish"
          Parameters = {
            TopicArn    = aws_sns_topic.alerts.arn
            Subject     = "${var.name_prefix}: a batch failed"
            "Message.$" = "States.JsonToString($)"
          }
          ResultPath = null
          Next       = "BatchFailed"
        }
        BatchFailed = {
          Type  = "Fail"
          Error = "BatchFailed"
          Cause = "The Glue job failed ${1 + local.glue_retry.max_attempts} times: the batch is marked failed and an alert was published."
        }
      },
    )
  })
}

resource "aws_sfn_state_machine" "pipeline" {
  name = "${var.name_prefix}-pipeline"
  # The callback strategy's .waitForTaskToken and Glue's .sync exist in Standard workflows only.
  type       = "STANDARD"
  role_arn   = aws_iam_role.pipeline.arn
  definition = local.definition

  lifecycle {
    precondition {
      condition     = var.max_lease_duration_seconds >= local.glue_task_max_seconds
      error_message = "max_lease_duration_seconds (${var.max_lease_duration_seconds}) must be at least ${local.glue_task_max_seconds}: the Glue Task's ${1 + local.glue_retry.max_attempts} attempts of up to ${local.glue_attempt_seconds} s each and the backoff between them. A .sync Task cannot renew the lease, which would otherwise expire while the job still runs and let another job start."
    }
  }
}

################################################################################
# IAM for the pipeline
################################################################################

data "aws_iam_policy_document" "pipeline_assume_role" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["states.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "pipeline" {
  name               = "${var.name_prefix}-pipeline"
  assume_role_policy = data.aws_iam_policy_document.pipeline_assume_role.json
}

resource "aws_iam_role_policy" "invoke_lease_manager" {
  name   = "invoke-lease-manager"
  role   = aws_iam_role.pipeline.id
  policy = module.glue_lease.lambda_permissions
}

data "aws_iam_policy_document" "pipeline" {
  # glue:startJobRun.sync, as documented in "IAM policies for calling AWS Glue"
  # (https://docs.aws.amazon.com/step-functions/latest/dg/connect-glue.html): StartJobRun,
  # GetJobRun, GetJobRuns and BatchStopJobRun (Step Functions polls the run, and stops it when the
  # execution is stopped). The documented template has Resource "*"; these four actions take
  # Glue's job resource, so this role reaches this one job only. Glue's .sync needs no EventBridge
  # rule permissions (those are for the integrations that wait on events, such as ECS and Batch).
  statement {
    sid       = "RunTheGlueJob"
    actions   = ["glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun"]
    resources = [aws_glue_job.process_batch.arn]
  }

  statement {
    sid       = "TrackTheBatch"
    actions   = ["dynamodb:UpdateItem"]
    resources = [aws_dynamodb_table.batches.arn]
  }

  statement {
    sid       = "AlertOnFinalFailure"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alerts.arn]
  }

  # The topic is encrypted with a customer-managed key: a publisher needs to use the key.
  statement {
    sid       = "EncryptTheAlert"
    actions   = ["kms:GenerateDataKey*", "kms:Decrypt"]
    resources = [aws_kms_key.alerts.arn]
  }
}

resource "aws_iam_role_policy" "pipeline" {
  name   = "glue-batches-alerts"
  role   = aws_iam_role.pipeline.id
  policy = data.aws_iam_policy_document.pipeline.json
}
