output "admin_function_name" {
  description = "Name of the admin function (status, force_release, set_limit), or null when create_admin_function is false."
  value       = try(aws_lambda_function.admin[0].function_name, null)
}

output "admin_function_arn" {
  description = "ARN of the admin function, or null when create_admin_function is false."
  value       = try(aws_lambda_function.admin[0].arn, null)
}

output "admin_permissions" {
  description = "IAM policy JSON granting lambda:InvokeFunction on the admin function only. Attach it to an operator's role, never to a state machine's (lambda_permissions cannot reach the admin actions)."
  value       = local.admin_permissions
}

output "operator_command" {
  description = "The lease-manager CLI command that prints this pool's status (see docs/operations.md)."
  value       = local.create_lambda ? "lease-manager status --table ${local.table_name}${var.lease_prefix == "" ? "" : " --pool ${var.lease_prefix}"} --max-leases ${var.max_concurrent_leases}" : null
}
