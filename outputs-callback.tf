################################################################################
# The callback wait strategy
################################################################################

output "sfn_workflow_types" {
  description = "State machine types the fragments can run in: [\"STANDARD\"] with the callback strategy and sfn_on_busy = \"wait\" (.waitForTaskToken exists in Standard workflows only, including Distributed Map child workflows), else [\"STANDARD\", \"EXPRESS\"]. Check your aws_sfn_state_machine's type against it in a lifecycle precondition to fail at plan time (examples/complete does)."
  value       = local.sfn_workflow_types
}

output "sweep_schedule_arn" {
  description = "ARN of the EventBridge Scheduler schedule that invokes the lease manager with {\"action\":\"sweep\"} (expired leases handed to queued executions); null unless the callback strategy with callback_sweep_enabled."
  value       = local.create_sweep ? aws_scheduler_schedule.sweep[0].arn : null
}

output "sweep_schedule_role_arn" {
  description = "ARN of the role EventBridge Scheduler assumes to invoke the lease manager for the sweep; null unless the sweep schedule is created."
  value       = local.create_sweep ? aws_iam_role.sweep[0].arn : null
}
