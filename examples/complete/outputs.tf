output "state_machine_arn" {
  description = "ARN of the workflow; start it with input {}."
  value       = aws_sfn_state_machine.workflow.arn
}

output "state_machine_definition" {
  description = "The workflow definition as deployed (JSON)."
  value       = local.definition
}

output "workflow_log_group" {
  description = "CloudWatch log group of the workflow's execution history."
  value       = aws_cloudwatch_log_group.workflow.name
}

output "lease_table_name" {
  description = "The lease table both pools live in."
  value       = module.orders_lease.dynamodb_table_name
}

output "lease_table_arn" {
  description = "ARN of the lease table."
  value       = module.orders_lease.dynamodb_table_arn
}

output "orders_lease_function_name" {
  description = "The orders pool's lease manager (its logs: /aws/lambda/<name>)."
  value       = module.orders_lease.lambda_function_name
}

output "orders_lease_function_arn" {
  description = "ARN of the orders pool's lease manager."
  value       = module.orders_lease.lambda_function_arn
}

output "reporting_lease_function_arn" {
  description = "ARN of the reporting pool's lease manager (same table, pool \"reporting\")."
  value       = module.reporting_lease.lambda_function_arn
}

output "reporting_acquire_lease_state" {
  description = "The reporting pool's acquire fragment, ready to merge into a reporting workflow."
  value       = module.reporting_lease.acquire_lease_state
}

output "kms_key_arn" {
  description = "The customer-managed key encrypting the table and the functions' environment."
  value       = aws_kms_key.leases.arn
}

output "orders_dashboard_name" {
  description = "The orders pool's CloudWatch dashboard."
  value       = module.orders_lease.dashboard_name
}

output "reporting_state_machine_arn" {
  description = "ARN of the reporting workflow; start it with input {\"tenant_id\": ..., \"report_id\": ...}."
  value       = aws_sfn_state_machine.reporting.arn
}

output "reporting_state_machine_definition" {
  description = "The reporting workflow's definition as deployed (JSON): at most 10 reports at once, 2 per tenant."
  value       = local.reporting_definition
}
