output "state_machine_arn" {
  description = "ARN of the pipeline; start one execution per batch with input {\"batch_id\": ..., \"manifest_path\": ...}."
  value       = aws_sfn_state_machine.pipeline.arn
}

output "state_machine_definition" {
  description = "The pipeline definition as deployed (JSON)."
  value       = local.definition
}

output "batch_table_name" {
  description = "The table of batches and their status (processing, completed, failed)."
  value       = aws_dynamodb_table.batches.name
}

output "alert_topic_arn" {
  description = "The encrypted SNS topic that gets one message per batch that failed every attempt."
  value       = aws_sns_topic.alerts.arn
}

output "glue_job_name" {
  description = "The Glue job the pipeline runs."
  value       = aws_glue_job.process_batch.name
}

output "lease_table_name" {
  description = "The lease table of the glue pool."
  value       = module.glue_lease.dynamodb_table_name
}

output "lease_function_name" {
  description = "The glue pool's lease manager (its logs: /aws/lambda/<name>)."
  value       = module.glue_lease.lambda_function_name
}

output "lease_seconds_needed" {
  description = "The least max_lease_duration_seconds this Glue timeout and Retry allow: every attempt of the Glue Task plus the backoff between them."
  value       = local.glue_task_max_seconds
}
