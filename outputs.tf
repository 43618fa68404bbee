################################################################################
# Table
################################################################################

output "dynamodb_table_name" {
  description = "Name of the lease table (managed or reused); null when create = false."
  value       = var.create ? (local.create_table ? local.created_table.name : var.ddb_table_name) : null
}

output "dynamodb_table_arn" {
  description = "ARN of the lease table (managed or reused); null when create = false."
  value       = local.table_arn
}

output "max_concurrent_leases" {
  description = "The pool's limit: most leases held at once; null when create = false."
  value       = var.create ? var.max_concurrent_leases : null
}

output "lease_pool_key" {
  description = "Partition key value of this pool's items (pool#<lease_prefix>), the dynamodb:LeadingKeys value the function is limited to."
  value       = var.create ? local.pool_key : null
}

################################################################################
# Function
################################################################################

output "lambda_function_name" {
  description = "Name of the lease-manager function; null when it is not created."
  value       = local.create_lambda ? aws_lambda_function.this[0].function_name : null
}

output "lambda_function_arn" {
  description = "ARN of the lease-manager function; null when it is not created."
  value       = local.function_arn
}

output "lambda_role_arn" {
  description = "ARN of the lease-manager function's execution role; null when it is not created."
  value       = local.create_lambda ? aws_iam_role.lambda[0].arn : null
}

output "lambda_log_group_name" {
  description = "CloudWatch log group of the lease-manager function; null when it is not created."
  value       = local.create_lambda ? aws_cloudwatch_log_group.lambda[0].name : null
}

output "lambda_permissions" {
  description = "IAM policy JSON granting lambda:InvokeFunction on exactly this function (and its versions and aliases). Attach it to your state machine's role."
  value       = local.lambda_permissions
}

################################################################################
# Step Functions fragments
################################################################################

output "acquire_lease_state" {
  description = "JSON object of states to merge into your definition's States: the AcquireLease Task and the CheckLeaseStatus Choice, plus WaitForLease: a Wait state with the poll strategy, a .waitForTaskToken Task with the callback strategy (Standard workflows only); no WaitForLease with the retry strategy or sfn_on_busy = \"fail\" or \"skip\". CheckLeaseStatus (and the callback WaitForLease) go on to sfn_post_acquire_lease_state once the lease is held; with \"skip\", any other answer goes to sfn_post_skip_state."
  value       = try(local.fragments.acquire, null)

  precondition {
    condition     = !local.use_jsonata || local.resource_id_jsonata_known
    error_message = "JSONata fragments need sfn_resource_id_jsonata: sfn_resource_id_jsonpath is not a plain dotted path (\"$.a.b\") the module can translate."
  }

  precondition {
    condition     = var.sfn_post_renew_lease_state == null || !contains([var.sfn_acquire_lease_state_name, var.sfn_check_lease_state_name, var.sfn_wait_state_name, var.sfn_renew_lease_state_name], coalesce(var.sfn_post_renew_lease_state, "-"))
    error_message = "sfn_post_renew_lease_state must name the next step of your work (or the release state), not the acquire states or RenewLease itself."
  }

  precondition {
    condition     = length(distinct(local.state_names)) == length(local.state_names)
    error_message = "sfn_acquire_lease_state_name, sfn_check_lease_state_name, sfn_wait_state_name and sfn_release_lease_state_name must be four different names."
  }

  precondition {
    condition     = local.callback_strategy || !local.priority_set
    error_message = "sfn_priority_jsonpath and sfn_priority_jsonata order the callback strategy's queue: set sfn_wait_strategy = \"callback\" or leave them null."
  }

  precondition {
    condition     = !local.callback_strategy || var.sfn_callback_timeout_seconds < var.max_lease_duration_seconds
    error_message = "sfn_callback_timeout_seconds must be shorter than max_lease_duration_seconds: a lease handed to an execution whose notification was lost must still be live when its WaitForLease timeout asks again."
  }

  precondition {
    condition     = !local.use_jsonata || local.priority_jsonata_known
    error_message = "JSONata fragments need sfn_priority_jsonata: sfn_priority_jsonpath is not a plain dotted path (\"$.a.b\") the module can translate."
  }

  precondition {
    condition     = !local.use_jsonata || local.key_jsonata_known
    error_message = "JSONata fragments need sfn_concurrency_key_jsonata: sfn_concurrency_key_jsonpath is not a plain dotted path (\"$.a.b\") the module can translate."
  }

  precondition {
    condition     = local.keys_on || !local.key_given
    error_message = "sfn_concurrency_key_jsonata is read by JSONata fragments only: with sfn_query_language = \"JSONPath\" set sfn_concurrency_key_jsonpath instead."
  }

  precondition {
    condition     = local.skip_when_busy == (var.sfn_post_skip_state != null)
    error_message = "sfn_post_skip_state is where sfn_on_busy = \"skip\" goes instead of the work: set both, or neither."
  }

  precondition {
    condition     = var.sfn_post_skip_state == null || !contains(concat(local.state_names, [var.sfn_post_acquire_lease_state]), coalesce(var.sfn_post_skip_state, "-"))
    error_message = "sfn_post_skip_state must name a state after the lease states that runs without a lease: not your work state (sfn_post_acquire_lease_state) and none of the lease states."
  }

  precondition {
    condition     = !contains(local.state_names, var.sfn_post_acquire_lease_state)
    error_message = "sfn_post_acquire_lease_state must name your work state, not one of the lease states."
  }

  precondition {
    condition     = var.end_state_after_release_lease || !contains(local.state_names, var.sfn_post_release_lease_state)
    error_message = "sfn_post_release_lease_state must name a state after the lease is released, not one of the lease states (or set end_state_after_release_lease = true)."
  }
}

output "check_lease_status_state" {
  description = "JSON object holding only the CheckLeaseStatus Choice (already part of acquire_lease_state; merging both gives the same result)."
  value       = try(local.fragments.check, null)
}

output "wait_for_lease_state" {
  description = "JSON object holding only WaitForLease, the Wait (poll) or the .waitForTaskToken Task (callback); it is already part of acquire_lease_state, and merging both gives the same result. null with the retry strategy, which does not wait in a state, and with sfn_on_busy = \"fail\" or \"skip\", which do not wait."
  value       = try(local.fragments.wait, null)
}

output "release_lease_state" {
  description = "JSON object holding the ReleaseLease Task; it ends the execution when end_state_after_release_lease is true, else goes on to sfn_post_release_lease_state."
  value       = try(local.fragments.release, null)
}

output "renew_lease_state" {
  description = "JSON object holding the RenewLease Task, for long work loops: it extends the lease to max_lease_duration_seconds from now and goes on to sfn_post_renew_lease_state, or fails with LeaseManager.LeaseLost once the lease is gone. null until sfn_post_renew_lease_state is set."
  value       = try(local.fragments.renew, null)
}

output "sfn_renew_lease_state_name" {
  description = "Name of the renew Task state (the Next of your loop step that renews)."
  value       = var.sfn_renew_lease_state_name
}

output "sfn_lease_variable_name" {
  description = "JSONata fragments: the workflow variable holding the lease ($<name>.lease_id, $<name>.lease_expires_at); null for JSONPath fragments."
  value       = local.use_jsonata ? var.sfn_lease_variable_name : null
}

output "sfn_acquire_lease_state_name" {
  description = "Name of the acquire Task state (use it as StartAt or as the target of your own Next)."
  value       = var.sfn_acquire_lease_state_name
}

output "sfn_release_lease_state_name" {
  description = "Name of the release Task state (the Next of your work state)."
  value       = var.sfn_release_lease_state_name
}

output "sfn_check_lease_state_name" {
  description = "Name of the Choice state that routes on the acquire answer."
  value       = var.sfn_check_lease_state_name
}

output "sfn_wait_state_name" {
  description = "Name of the state an execution waits in while the pool is full: the Wait state (poll) or the .waitForTaskToken Task (callback)."
  value       = var.sfn_wait_state_name
}

################################################################################
# Reclaim on execution failure
################################################################################

output "reclaim_rule_arn" {
  description = "ARN of the EventBridge rule that sends failed, timed-out and aborted executions to the lease manager; null unless reclaim_on_execution_failure."
  value       = local.create_reclaim ? aws_cloudwatch_event_rule.reclaim[0].arn : null
}

output "reclaim_event_pattern" {
  description = "The rule's event pattern (JSON); null unless reclaim_on_execution_failure."
  value       = local.create_reclaim ? local.reclaim_event_pattern : null
}

output "dashboard_name" {
  description = "Name of the pool's CloudWatch dashboard; null unless create_dashboard."
  value       = local.create_dashboard ? aws_cloudwatch_dashboard.this[0].dashboard_name : null
}

output "alarm_arns" {
  description = "ARNs of the pool's alarms (leases expiring unreleased, unexpected function errors, and with the callback strategy the oldest waiter); empty unless create_alarms."
  value       = local.alarm_arns
}
