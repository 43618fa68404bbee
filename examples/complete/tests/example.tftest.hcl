# The complete example applied against mocked AWS.

mock_provider "aws" {
  source = "../../tests/terraform/mocks"
}

variables {
  lease_manager_package_path = "../../tests/terraform/fixtures/lease-manager-test.zip"
}

run "two_pools_on_one_table" {
  command = apply

  assert {
    condition     = output.orders_dashboard_name == "complete-example-orders-lease-manager-pool" && length(module.orders_lease.alarm_arns) == 3 && module.reporting_lease.dashboard_name == null
    error_message = "the orders pool has its dashboard and its three alarms (expiries, unexpected errors, the oldest waiter); the reporting pool neither"
  }

  assert {
    condition     = module.orders_lease.lease_pool_key == "pool#orders" && module.orders_lease.max_concurrent_leases == 8
    error_message = "orders pool: prefix orders, 8 leases"
  }

  assert {
    condition     = module.reporting_lease.lease_pool_key == "pool#reporting" && module.reporting_lease.max_concurrent_leases == 10 && module.reporting_lease.max_concurrent_leases_per_key == 2
    error_message = "reporting pool: prefix reporting, 10 leases, 2 per tenant"
  }

  assert {
    condition     = module.orders_lease.dynamodb_table_name == "complete-example-leases" && module.reporting_lease.dynamodb_table_name == module.orders_lease.dynamodb_table_name
    error_message = "the reporting pool reuses the orders table"
  }

  assert {
    condition     = output.kms_key_arn == "arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    error_message = "a customer-managed key is passed to both lease managers"
  }
}

run "fifty_jobs_through_the_lease" {
  command = apply

  assert {
    condition     = length(jsondecode(output.state_machine_definition).States.ListJobs.Result) == 50 && length(distinct([for j in jsondecode(output.state_machine_definition).States.ListJobs.Result : j.id])) == 50
    error_message = "50 jobs with distinct ids (each job id is its lease's resource id)"
  }

  assert {
    condition     = keys(jsondecode(output.state_machine_definition).States.FanOut.ItemProcessor.States) == ["AcquireLease", "CheckLeaseStatus", "ReleaseLease", "RunJob", "WaitForLease"]
    error_message = "the lease states sit inside the Map's processor"
  }

  assert {
    condition = alltrue(flatten([for name, s in jsondecode(output.state_machine_definition).States.FanOut.ItemProcessor.States : concat(
      [try(contains(keys(jsondecode(output.state_machine_definition).States.FanOut.ItemProcessor.States), s.Next), !can(s.Next))],
      [for c in try(s.Choices, []) : contains(keys(jsondecode(output.state_machine_definition).States.FanOut.ItemProcessor.States), c.Next)],
    )]))
    error_message = "every Next inside the processor names a state of the processor"
  }

  assert {
    condition     = jsondecode(output.state_machine_definition).States.FanOut.ItemProcessor.States.AcquireLease.Parameters.Payload["resource_id.$"] == "$.job.id" && jsondecode(output.state_machine_definition).States.FanOut.ItemProcessor.States.AcquireLease.ResultPath == "$.lease"
    error_message = "custom JSONPaths: resource id from the job, lease under $.lease"
  }

  assert {
    condition     = jsondecode(output.state_machine_definition).States.FanOut.ItemProcessor.States.ReleaseLease.Parameters.Payload["lease_id.$"] == "$.lease.lease_id"
    error_message = "release finds the lease id where acquire put it"
  }

  assert {
    condition     = jsondecode(output.state_machine_definition).States.FanOut.MaxConcurrency == 50
    error_message = "the Map itself would run all 50 at once: the lease is the limit"
  }
}

run "workflow_iam_and_logging" {
  command = apply

  assert {
    condition     = aws_iam_role_policy.invoke_lease_manager.policy == module.orders_lease.lambda_permissions && aws_iam_role_policy.invoke_lease_manager.role == aws_iam_role.workflow.id
    error_message = "the workflow role gets the orders lease manager's lambda_permissions"
  }

  assert {
    condition     = aws_sfn_state_machine.workflow.role_arn == aws_iam_role.workflow.arn && aws_sfn_state_machine.workflow.type == "STANDARD"
    error_message = "a STANDARD workflow with its own role"
  }

  assert {
    condition     = aws_sfn_state_machine.workflow.logging_configuration[0].level == "ALL" && aws_sfn_state_machine.workflow.logging_configuration[0].log_destination == "${aws_cloudwatch_log_group.workflow.arn}:*"
    error_message = "execution logging to the workflow's log group"
  }

  assert {
    condition     = jsondecode(aws_iam_role.workflow.assume_role_policy).Statement[0].Principal.Service == "states.amazonaws.com"
    error_message = "Step Functions assumes the workflow role"
  }

  assert {
    condition     = jsondecode(module.orders_lease.reclaim_event_pattern).detail.stateMachineArn[0] == aws_sfn_state_machine.workflow.arn && module.orders_lease.reclaim_rule_arn != null
    error_message = "the orders pool reclaims the leases of this workflow's failed executions"
  }

  assert {
    condition     = module.reporting_lease.reclaim_rule_arn == null
    error_message = "reclaim is per pool and off unless asked"
  }
}

run "jobs_queue_for_freed_slots_urgent_ones_first" {
  command = apply

  assert {
    condition = (
      jsondecode(output.state_machine_definition).States.FanOut.ItemProcessor.States.WaitForLease.Resource == "arn:aws:states:::lambda:invoke.waitForTaskToken"
      && jsondecode(output.state_machine_definition).States.FanOut.ItemProcessor.States.WaitForLease.Parameters.Payload["priority.$"] == "$.job.priority"
      && jsondecode(output.state_machine_definition).States.FanOut.ItemProcessor.States.WaitForLease.ResultPath == "$.lease"
      && jsondecode(output.state_machine_definition).States.FanOut.ItemProcessor.States.WaitForLease.Next == "RunJob"
    )
    error_message = "a full pool queues the job (callback strategy) by its priority; the handed-over lease lands under $.lease"
  }

  assert {
    condition     = length([for j in jsondecode(output.state_machine_definition).States.ListJobs.Result : j if j.priority == 10]) == 5 && length([for j in jsondecode(output.state_machine_definition).States.ListJobs.Result : j if j.priority == 0]) == 45
    error_message = "every tenth job is urgent"
  }

  assert {
    condition     = aws_sfn_state_machine.workflow.type == "STANDARD" && module.orders_lease.sweep_schedule_arn != null && module.reporting_lease.sweep_schedule_arn == null
    error_message = "a Standard workflow (.waitForTaskToken); the orders pool sweeps expired leases to its queue (the polling reporting pool has none)"
  }
}

run "reports_at_most_two_per_tenant_under_ten" {
  command = apply

  assert {
    condition = (
      jsondecode(output.reporting_state_machine_definition).States.AcquireLease.Parameters.Payload["concurrency_key.$"] == "$.tenant_id"
      && jsondecode(output.reporting_state_machine_definition).States.AcquireLease.Parameters.Payload["resource_id.$"] == "$.report_id"
      && jsondecode(output.reporting_state_machine_definition).States.CheckLeaseStatus.Choices[1].Next == "WaitForLease"
      && jsondecode(output.reporting_state_machine_definition).States.WaitForLease.Type == "Wait"
    )
    error_message = "each report's acquire sends its tenant as the concurrency key; a full tenant polls"
  }

  assert {
    condition = (
      module.reporting_lease.lambda_function_arn != null
      && jsondecode(output.reporting_acquire_lease_state).AcquireLease.Parameters.FunctionName == module.reporting_lease.lambda_function_arn
      && keys(jsondecode(output.reporting_state_machine_definition).States) == ["AcquireLease", "BuildReport", "CheckLeaseStatus", "ReleaseLease", "WaitForLease"]
    )
    error_message = "the reporting workflow merges the reporting pool's fragments"
  }

  assert {
    condition     = aws_iam_role_policy.reporting_invoke_lease_manager.policy == module.reporting_lease.lambda_permissions && aws_sfn_state_machine.reporting.role_arn == aws_iam_role.reporting.arn
    error_message = "the reporting workflow may invoke the reporting lease manager only"
  }
}
