# The callback wait strategy: the WaitForLease .waitForTaskToken Task in both query languages, the
# function's strategy setting and task-token permission, and the sweep schedule with its role.

mock_provider "aws" {
  source = "./tests/terraform/mocks"
}

variables {
  sfn_wait_strategy = "callback"
}

run "jsonpath_waits_on_a_task_token_and_lands_the_lease_where_acquire_does" {
  command = apply

  variables {
    sfn_resource_id_jsonpath     = "$.job.id"
    sfn_priority_jsonpath        = "$.job.priority"
    sfn_lease_result_path        = "$.lease"
    sfn_callback_timeout_seconds = 45
    max_lease_duration_seconds   = 300
    sfn_task_retry               = { max_attempts = 3, max_delay_seconds = 8 }
  }

  assert {
    condition     = keys(jsondecode(output.acquire_lease_state)) == ["AcquireLease", "CheckLeaseStatus", "WaitForLease"] && alltrue([for s in values(jsondecode(output.acquire_lease_state)) : s.Type != "Wait"])
    error_message = "AcquireLease, CheckLeaseStatus and the WaitForLease Task; no Wait state"
  }

  assert {
    condition = jsondecode(output.acquire_lease_state).WaitForLease == {
      Type           = "Task"
      Comment        = "The pool is full or others queue before us: wait in line (first in, first out within a priority). The lease manager completes this task with the lease (SendTaskSuccess) once a slot is handed to this execution; on timeout the task asks again and keeps its place."
      Resource       = "arn:aws:states:::lambda:invoke.waitForTaskToken"
      TimeoutSeconds = 45
      Parameters = {
        FunctionName = "arn:aws:lambda:eu-central-1:123456789012:function:concurrency-mgmt-lease-manager"
        Payload = {
          action                 = "wait"
          "task_token.$"         = "$$.Task.Token"
          "owner_id.$"           = "$$.Execution.Id"
          "resource_id.$"        = "$.job.id"
          "priority.$"           = "$.job.priority"
          lease_duration_seconds = 300
        }
      }
      ResultSelector = {
        "status.$"                = "$.status"
        "lease_id.$"              = "$.lease_id"
        "lease_expires_at.$"      = "$.lease_expires_at"
        "current_running.$"       = "$.current_running"
        "max_concurrent_leases.$" = "$.max_concurrent_leases"
        "limited_by.$"            = "$.limited_by"
      }
      ResultPath = "$.lease"
      Retry = [
        { ErrorEquals = ["States.Timeout"], IntervalSeconds = 1, MaxAttempts = 25000, BackoffRate = 1 },
        jsondecode(output.acquire_lease_state).AcquireLease.Retry[0],
      ]
      Next = "StartExecution"
    }
    error_message = "WaitForLease queues the task token with the owner key, priority and lease duration, re-asks on timeout, and goes on to the work"
  }

  assert {
    condition = (
      jsondecode(output.acquire_lease_state).AcquireLease.ResultPath == jsondecode(output.acquire_lease_state).WaitForLease.ResultPath
      && [for k, v in jsondecode(output.acquire_lease_state).AcquireLease.ResultSelector : replace(v, "$.Payload.", "$.")] == values(jsondecode(output.acquire_lease_state).WaitForLease.ResultSelector)
      && keys(jsondecode(output.acquire_lease_state).AcquireLease.ResultSelector) == keys(jsondecode(output.acquire_lease_state).WaitForLease.ResultSelector)
    )
    error_message = "the handed-over lease lands with the same fields at the same path as an acquired one (SendTaskSuccess output has no Payload wrapper)"
  }

  assert {
    condition     = jsondecode(output.acquire_lease_state).AcquireLease.Retry[0].MaxAttempts == 3 && length(jsondecode(output.acquire_lease_state).AcquireLease.Retry) == 1 && !can(jsondecode(output.acquire_lease_state).AcquireLease.Parameters.Payload.fail_if_unavailable)
    error_message = "AcquireLease is the plain request/response call of the poll strategy"
  }

  assert {
    condition = jsondecode(output.acquire_lease_state).CheckLeaseStatus.Choices == [
      { Variable = "$.lease.status", StringEquals = "acquired", Next = "StartExecution" },
      { Variable = "$.lease.status", StringEquals = "wait", Next = "WaitForLease" },
    ]
    error_message = "\"wait\" leads to the WaitForLease Task"
  }

  assert {
    condition     = jsondecode(output.wait_for_lease_state) == { WaitForLease = jsondecode(output.acquire_lease_state).WaitForLease }
    error_message = "wait_for_lease_state holds the same Task"
  }

  assert {
    condition     = aws_lambda_function.this[0].environment[0].variables.LEASE_WAIT_STRATEGY == "callback" && output.sfn_workflow_types == tolist(["STANDARD"])
    error_message = "the function is told the strategy; the fragments run in Standard workflows only"
  }
}

run "without_a_priority_the_payload_has_none" {
  command = plan

  assert {
    condition     = !contains(keys(jsondecode(output.acquire_lease_state).WaitForLease.Parameters.Payload), "priority.$") && jsondecode(output.acquire_lease_state).WaitForLease.TimeoutSeconds == 60
    error_message = "no priority field (the function's default 0) and the default 60 s timeout"
  }
}

run "renamed_wait_state_names_the_task" {
  command = plan

  variables {
    sfn_wait_state_name          = "Queue"
    sfn_post_acquire_lease_state = "Work"
  }

  assert {
    condition     = keys(jsondecode(output.acquire_lease_state)) == ["AcquireLease", "CheckLeaseStatus", "Queue"] && jsondecode(output.acquire_lease_state).CheckLeaseStatus.Choices[1].Next == "Queue" && jsondecode(output.acquire_lease_state).Queue.Next == "Work"
    error_message = "sfn_wait_state_name names the Task, which goes on to the work"
  }
}

run "jsonata_assigns_the_handed_over_lease_like_acquire" {
  command = apply

  variables {
    sfn_query_language       = "JSONata"
    sfn_resource_id_jsonpath = "$.job.id"
    sfn_priority_jsonpath    = "$.job.priority"
    sfn_lease_variable_name  = "jobLease"
  }

  assert {
    condition = jsondecode(output.acquire_lease_state).WaitForLease.Arguments == {
      FunctionName = "arn:aws:lambda:eu-central-1:123456789012:function:concurrency-mgmt-lease-manager"
      Payload = {
        action                 = "wait"
        task_token             = "{% $states.context.Task.Token %}"
        owner_id               = "{% $states.context.Execution.Id %}"
        resource_id            = "{% $states.input.job.id %}"
        priority               = "{% $states.input.job.priority %}"
        lease_duration_seconds = 600
      }
    }
    error_message = "the JSONata payload reads the token, owner, resource id and priority (translated from the plain path)"
  }

  assert {
    condition = (
      jsondecode(output.acquire_lease_state).WaitForLease.Assign == { jobLease = "{% $states.result.{'status': status, 'lease_id': lease_id, 'lease_expires_at': lease_expires_at, 'current_running': current_running, 'max_concurrent_leases': max_concurrent_leases, 'limited_by': limited_by} %}" }
      && jsondecode(output.acquire_lease_state).AcquireLease.Assign.jobLease == replace(jsondecode(output.acquire_lease_state).WaitForLease.Assign.jobLease, "$states.result.", "$states.result.Payload.")
      && jsondecode(output.acquire_lease_state).WaitForLease.Output == "{% $states.input %}"
    )
    error_message = "the lease lands in $jobLease with the fields AcquireLease assigns, read without Payload; the state input passes through"
  }

  assert {
    condition = (
      jsondecode(output.acquire_lease_state).WaitForLease.QueryLanguage == "JSONata"
      && jsondecode(output.acquire_lease_state).WaitForLease.Resource == "arn:aws:states:::lambda:invoke.waitForTaskToken"
      && jsondecode(output.acquire_lease_state).WaitForLease.TimeoutSeconds == 60
      && jsondecode(output.acquire_lease_state).WaitForLease.Retry[0] == { ErrorEquals = ["States.Timeout"], IntervalSeconds = 1, MaxAttempts = 25000, BackoffRate = 1 }
      && jsondecode(output.acquire_lease_state).WaitForLease.Retry[1] == jsondecode(output.acquire_lease_state).AcquireLease.Retry[0]
      && !can(jsondecode(output.acquire_lease_state).WaitForLease.Parameters) && !can(jsondecode(output.acquire_lease_state).WaitForLease.ResultSelector) && !can(jsondecode(output.acquire_lease_state).WaitForLease.ResultPath)
    )
    error_message = "a JSONata Task on the callback resource with the same timeout and retriers, no JSONPath fields"
  }

  assert {
    condition     = jsondecode(output.acquire_lease_state).CheckLeaseStatus.Choices[1] == { Condition = "{% $jobLease.status = 'wait' %}", Next = "WaitForLease" }
    error_message = "\"wait\" leads to the WaitForLease Task"
  }
}

run "jsonata_priority_expression_wins" {
  command = plan

  variables {
    sfn_query_language    = "JSONata"
    sfn_priority_jsonpath = "$.tiers[0]"
    sfn_priority_jsonata  = "$states.input.tier = 'gold' ? 100 : 0"
  }

  assert {
    condition     = jsondecode(output.acquire_lease_state).WaitForLease.Arguments.Payload.priority == "{% $states.input.tier = 'gold' ? 100 : 0 %}"
    error_message = "sfn_priority_jsonata is used as given"
  }
}

run "function_may_complete_task_tokens_and_nothing_else_of_step_functions" {
  command = apply

  assert {
    condition = [for s in jsondecode(aws_iam_role_policy.lambda[0].policy).Statement : s if s.Sid == "CompleteQueuedWaits"] == [{
      Sid      = "CompleteQueuedWaits"
      Effect   = "Allow"
      Action   = ["states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat"]
      Resource = ["*"]
    }]
    error_message = "exactly the three task-token actions, on \"*\" (the Service Authorization Reference lists no resource type for them)"
  }

  assert {
    condition     = length([for s in jsondecode(aws_iam_role_policy.lambda[0].policy).Statement : s if anytrue([for a in flatten([s.Action]) : startswith(a, "states:")])]) == 1
    error_message = "no other Step Functions permission"
  }
}

run "poll_grants_no_task_token_calls_and_creates_no_schedule" {
  command = apply

  variables {
    sfn_wait_strategy = "poll"
  }

  assert {
    condition     = !contains([for s in jsondecode(aws_iam_role_policy.lambda[0].policy).Statement : s.Sid], "CompleteQueuedWaits")
    error_message = "poll never completes task tokens"
  }

  assert {
    condition     = length(aws_scheduler_schedule.sweep) + length(aws_iam_role.sweep) + length(aws_iam_role_policy.sweep) == 0 && output.sweep_schedule_arn == null && output.sweep_schedule_role_arn == null
    error_message = "no sweep without the callback strategy"
  }

  assert {
    condition     = output.sfn_workflow_types == tolist(["STANDARD", "EXPRESS"]) && aws_lambda_function.this[0].environment[0].variables.LEASE_WAIT_STRATEGY == "poll"
    error_message = "poll runs in either workflow type"
  }
}
