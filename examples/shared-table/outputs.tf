output "shared_table_name" {
  description = "The regional lease table both workloads share."
  value       = module.regional_lease_store.dynamodb_table_name
}

output "work_items_bucket" {
  description = "Bucket holding each workload's items (analytics/items.json, batch/items.json)."
  value       = aws_s3_bucket.work_items.id
}

output "analytics_state_machine_arn" {
  description = "ARN of the analytics workflow (30 items, 15 leases)."
  value       = aws_sfn_state_machine.workflow["analytics"].arn
}

output "batch_state_machine_arn" {
  description = "ARN of the batch workflow (20 items, 5 leases)."
  value       = aws_sfn_state_machine.workflow["batch"].arn
}

output "analytics_definition" {
  description = "The analytics state machine definition as deployed (JSON)."
  value       = local.rendered.analytics
}

output "batch_definition" {
  description = "The batch state machine definition as deployed (JSON)."
  value       = local.rendered.batch
}

output "work_items" {
  description = "The items uploaded for each workload (JSON), e.g. to feed a local run."
  value       = jsonencode(local.work_items)
}
