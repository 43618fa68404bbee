# The example applied against mocked AWS: wiring, limits, prefixes and the rendered workflows.

mock_provider "aws" {
  source = "../../tests/terraform/mocks"
}

variables {
  lease_manager_package_path = "../../tests/terraform/fixtures/lease-manager-test.zip"
}

run "one_table_two_pools" {
  command = apply

  assert {
    condition     = module.regional_lease_store.dynamodb_table_name == "regional-concurrency-leases" && module.regional_lease_store.lambda_function_arn == null
    error_message = "the platform instance creates only the table"
  }

  assert {
    condition     = module.workload_lease["analytics"].dynamodb_table_name == "regional-concurrency-leases" && module.workload_lease["batch"].dynamodb_table_name == "regional-concurrency-leases"
    error_message = "both workloads use the shared table"
  }

  assert {
    condition     = module.workload_lease["analytics"].lease_pool_key == "pool#analytics" && module.workload_lease["analytics"].max_concurrent_leases == 15
    error_message = "analytics: its own pool, 15 leases"
  }

  assert {
    condition     = module.workload_lease["batch"].lease_pool_key == "pool#batch" && module.workload_lease["batch"].max_concurrent_leases == 5
    error_message = "batch: its own pool, 5 leases"
  }

  assert {
    condition     = length(jsondecode(aws_s3_object.items["analytics"].content)) == 30 && length(jsondecode(aws_s3_object.items["batch"].content)) == 20
    error_message = "30 analytics items and 20 batch items"
  }

  assert {
    condition     = length(distinct([for i in concat(jsondecode(aws_s3_object.items["analytics"].content), jsondecode(aws_s3_object.items["batch"].content)) : i.item_id])) == 50
    error_message = "every item has its own resource id (the owner key of its lease)"
  }

  assert {
    condition     = aws_sfn_state_machine.workflow["analytics"].name == "shared-lease-platform-analytics-workflow" && aws_sfn_state_machine.workflow["batch"].name == "shared-lease-platform-batch-workflow"
    error_message = "state machine names used by the README's commands"
  }

  assert {
    condition     = aws_sfn_state_machine.workflow["analytics"].type == "STANDARD" && aws_sfn_state_machine.workflow["batch"].type == "STANDARD"
    error_message = "STANDARD workflows"
  }
}

run "lease_states_sit_inside_each_distributed_map" {
  command = apply

  assert {
    condition = alltrue([for d in [output.analytics_definition, output.batch_definition] :
      keys(jsondecode(d).States) == ["ProcessItems"]
      && jsondecode(d).States.ProcessItems.ItemProcessor.ProcessorConfig.Mode == "DISTRIBUTED"
      && keys(jsondecode(d).States.ProcessItems.ItemProcessor.States) == ["AcquireLease", "CheckLeaseStatus", "Process", "ReleaseLease", "WaitForLease"]
    ])
    error_message = "the lease states are the Map's item processor"
  }

  assert {
    condition = alltrue(flatten([for d in [output.analytics_definition, output.batch_definition] : [
      for name, s in jsondecode(d).States.ProcessItems.ItemProcessor.States : concat(
        [try(contains(keys(jsondecode(d).States.ProcessItems.ItemProcessor.States), s.Next), !can(s.Next))],
        [for c in try(s.Choices, []) : contains(keys(jsondecode(d).States.ProcessItems.ItemProcessor.States), c.Next)],
      )
    ]]))
    error_message = "every Next inside the processor names a state of the processor"
  }

  assert {
    condition     = jsondecode(output.analytics_definition).States.ProcessItems.ItemReader.Parameters == { Bucket = "shared-lease-platform-items-test", Key = "analytics/items.json" }
    error_message = "the analytics Map reads its own items"
  }

  assert {
    condition     = jsondecode(output.batch_definition).States.ProcessItems.ItemProcessor.States.AcquireLease.Parameters.Payload["resource_id.$"] == "$.item_id"
    error_message = "each item's id is its lease's resource id"
  }

  assert {
    condition     = jsondecode(output.batch_definition).States.ProcessItems.ItemProcessor.States.ReleaseLease.End == true
    error_message = "each item ends after releasing"
  }
}

run "iam_wiring" {
  command = apply

  assert {
    condition     = aws_sfn_state_machine.workflow["analytics"].role_arn == aws_iam_role.workflow["analytics"].arn && aws_iam_role_policy.workflow["analytics"].role == aws_iam_role.workflow["analytics"].id && aws_iam_role_policy.workflow["analytics"].policy == data.aws_iam_policy_document.workflow["analytics"].json
    error_message = "the analytics workflow runs with its own role and policy"
  }

  assert {
    condition     = data.aws_iam_policy_document.workflow["analytics"].source_policy_documents == tolist([module.workload_lease["analytics"].lambda_permissions, data.aws_iam_policy_document.s3_access["analytics"].json])
    error_message = "the analytics role gets its lease manager's lambda_permissions and S3 read"
  }

  assert {
    condition     = data.aws_iam_policy_document.workflow["batch"].source_policy_documents == tolist([module.workload_lease["batch"].lambda_permissions, data.aws_iam_policy_document.s3_access["batch"].json])
    error_message = "the batch role gets its lease manager's lambda_permissions and S3 read"
  }

  assert {
    condition     = jsondecode(module.workload_lease["analytics"].lambda_permissions).Statement[0].Resource[0] == module.workload_lease["analytics"].lambda_function_arn
    error_message = "lambda_permissions names the workload's own function"
  }

  assert {
    condition     = jsonencode(data.aws_iam_policy_document.s3_access["analytics"].statement[0].resources) == jsonencode(["arn:aws:s3:::shared-lease-platform-items-test/analytics/items.json"]) && jsonencode(data.aws_iam_policy_document.s3_access["analytics"].statement[0].actions) == jsonencode(["s3:GetObject"])
    error_message = "S3 read of exactly the item file, for the item reader"
  }

  assert {
    condition = jsonencode([for s in data.aws_iam_policy_document.workflow["batch"].statement : { sid = s.sid, actions = s.actions, resources = s.resources }]) == jsonencode([
      { sid = "StartChildExecutions", actions = ["states:StartExecution"], resources = ["arn:aws:states:eu-central-1:123456789012:stateMachine:shared-lease-platform-batch-workflow"] },
      { sid = "ManageChildExecutions", actions = ["states:DescribeExecution", "states:StopExecution"], resources = ["arn:aws:states:eu-central-1:123456789012:execution:shared-lease-platform-batch-workflow:*"] },
    ])
    error_message = "the Distributed Map may start, describe and stop its own child executions, nothing more"
  }

  assert {
    condition     = tolist(data.aws_iam_policy_document.workflow_assume_role.statement[0].principals)[0].identifiers == toset(["states.amazonaws.com"])
    error_message = "Step Functions assumes the workflow roles"
  }
}

run "items_queue_for_freed_slots_in_standard_child_workflows" {
  command = apply

  assert {
    condition = alltrue([for d in [output.analytics_definition, output.batch_definition] :
      jsondecode(d).States.ProcessItems.ItemProcessor.States.WaitForLease.Resource == "arn:aws:states:::lambda:invoke.waitForTaskToken"
      && jsondecode(d).States.ProcessItems.ItemProcessor.ProcessorConfig == { Mode = "DISTRIBUTED", ExecutionType = "STANDARD" }
    ])
    error_message = "each item queues on a .waitForTaskToken Task inside Standard child workflows"
  }

  assert {
    condition     = alltrue([for w in aws_sfn_state_machine.workflow : w.type == "STANDARD"]) && module.workload_lease["analytics"].sweep_schedule_arn != null && module.workload_lease["batch"].sweep_schedule_arn != null
    error_message = "Standard workflows; each pool sweeps expired leases"
  }
}
