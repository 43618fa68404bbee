# The Glue pipeline example applied against mocked AWS.

mock_provider "aws" {
  source = "../../tests/terraform/mocks"
}

variables {
  lease_manager_package_path = "../../tests/terraform/fixtures/lease-manager-test.zip"
}

run "the_lease_sits_in_front_of_the_glue_job" {
  command = apply

  assert {
    condition     = jsondecode(output.state_machine_definition).StartAt == "MarkProcessing" && jsondecode(output.state_machine_definition).States.MarkProcessing.Next == "AcquireLease"
    error_message = "the batch is marked processing, then the lease is acquired"
  }

  assert {
    condition = (
      jsondecode(output.state_machine_definition).States.WaitForLease.Resource == "arn:aws:states:::lambda:invoke.waitForTaskToken"
      && jsondecode(output.state_machine_definition).States.WaitForLease.Next == "RunGlueJob"
      && jsondecode(output.state_machine_definition).States.CheckLeaseStatus.Choices[0].Next == "RunGlueJob"
    )
    error_message = "a full pool queues the batch (callback strategy); the lease leads to the Glue job"
  }

  assert {
    condition = alltrue(flatten([for name, s in jsondecode(output.state_machine_definition).States : concat(
      [try(contains(keys(jsondecode(output.state_machine_definition).States), s.Next), !can(s.Next))],
      [for c in concat(try(s.Choices, []), try(s.Catch, [])) : contains(keys(jsondecode(output.state_machine_definition).States), c.Next)],
    )]))
    error_message = "every Next (Choices and Catch included) names a state of the definition"
  }

  assert {
    condition     = aws_sfn_state_machine.pipeline.type == "STANDARD" && module.glue_lease.max_concurrent_leases == 4 && aws_glue_job.process_batch.execution_property[0].max_concurrent_runs == 4
    error_message = "a Standard workflow; at most 4 Glue runs at once (Glue's own limit matches the pool)"
  }
}

run "glue_retries_twice_and_every_way_out_releases" {
  command = apply

  assert {
    condition = (
      jsondecode(output.state_machine_definition).States.RunGlueJob.Resource == "arn:aws:states:::glue:startJobRun.sync"
      && jsondecode(output.state_machine_definition).States.RunGlueJob.Parameters.JobName == "glue-pipeline-process-batch"
      && jsondecode(output.state_machine_definition).States.RunGlueJob.Parameters.Arguments["--MANIFEST_PATH.$"] == "$.manifest_path"
    )
    error_message = "the Glue job runs with .sync and gets the batch's manifest"
  }

  assert {
    condition     = jsonencode(jsondecode(output.state_machine_definition).States.RunGlueJob.Retry) == jsonencode([{ BackoffRate = 2, ErrorEquals = ["States.ALL"], IntervalSeconds = 60, MaxAttempts = 2 }])
    error_message = "2 retries with exponential backoff (60 s, then 120 s)"
  }

  assert {
    condition     = jsondecode(output.state_machine_definition).States.RunGlueJob.Next == "ReleaseLease" && jsondecode(output.state_machine_definition).States.RunGlueJob.Catch[0].Next == "ReleaseLease" && jsondecode(output.state_machine_definition).States.ReleaseLease.Next == "CheckJobOutcome"
    error_message = "success and final failure both release the lease before the batch's outcome is recorded"
  }

  assert {
    condition = (
      jsondecode(output.state_machine_definition).States.CheckJobOutcome.Choices[0].Next == "MarkFailed"
      && jsondecode(output.state_machine_definition).States.MarkFailed.Next == "PublishAlert"
      && jsondecode(output.state_machine_definition).States.PublishAlert.Parameters.TopicArn == aws_sns_topic.alerts.arn
      && jsondecode(output.state_machine_definition).States.MarkCompleted.End
    )
    error_message = "a final failure marks the batch failed and publishes one alert; success marks it completed"
  }

  assert {
    condition     = [for s in ["MarkProcessing", "MarkCompleted", "MarkFailed"] : jsondecode(output.state_machine_definition).States[s].Parameters.ExpressionAttributeValues[":status"].S] == ["processing", "completed", "failed"]
    error_message = "the three status updates"
  }
}

run "pipeline_iam" {
  command = apply

  assert {
    condition = jsonencode([for s in data.aws_iam_policy_document.pipeline.statement : { sid = s.sid, actions = s.actions, resources = s.resources }]) == jsonencode([
      { sid = "RunTheGlueJob", actions = ["glue:BatchStopJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:StartJobRun"], resources = [aws_glue_job.process_batch.arn] },
      { sid = "TrackTheBatch", actions = ["dynamodb:UpdateItem"], resources = [aws_dynamodb_table.batches.arn] },
      { sid = "AlertOnFinalFailure", actions = ["sns:Publish"], resources = [aws_sns_topic.alerts.arn] },
      { sid = "EncryptTheAlert", actions = ["kms:Decrypt", "kms:GenerateDataKey*"], resources = [aws_kms_key.alerts.arn] },
    ])
    error_message = "exactly what .sync documents for Glue (on the one job), UpdateItem on the batch table, Publish on the encrypted topic"
  }

  assert {
    condition     = aws_iam_role_policy.invoke_lease_manager.policy == module.glue_lease.lambda_permissions && aws_iam_role_policy.invoke_lease_manager.role == aws_iam_role.pipeline.id
    error_message = "the pipeline role gets the lease manager's lambda_permissions"
  }

  assert {
    condition     = jsondecode(module.glue_lease.reclaim_event_pattern).detail.stateMachineArn[0] == aws_sfn_state_machine.pipeline.arn
    error_message = "a stopped or failed execution gives its lease back at once"
  }

  assert {
    condition     = aws_glue_job.process_batch.max_retries == 0 && aws_glue_job.process_batch.timeout == 30 && aws_sns_topic.alerts.kms_master_key_id == aws_kms_key.alerts.arn
    error_message = "Step Functions owns the retries; the job has its timeout; the alert topic is encrypted"
  }
}

run "the_lease_outlives_every_glue_attempt" {
  command = plan

  assert {
    condition     = output.lease_seconds_needed == 3 * (30 * 60 + 300) + 60 + 120 && jsondecode(output.state_machine_definition).States.RunGlueJob.TimeoutSeconds == 30 * 60 + 300
    error_message = "3 attempts of the job's timeout plus start-up time, and the backoff between them"
  }
}

run "a_lease_shorter_than_the_glue_task_is_refused" {
  command = plan

  variables {
    max_lease_duration_seconds = 6479
  }

  expect_failures = [aws_sfn_state_machine.pipeline]
}

run "a_shorter_job_timeout_allows_a_shorter_lease" {
  command = plan

  variables {
    glue_job_timeout_minutes   = 10
    max_lease_duration_seconds = 2880
  }

  assert {
    condition     = output.lease_seconds_needed == 2880
    error_message = "3 × (600 + 300) s + 180 s of backoff"
  }
}
