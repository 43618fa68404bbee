# The module with the spec's defaults: what it creates and the fragments and policies it renders.

mock_provider "aws" {
  source = "./tests/terraform/mocks"
}

# The mocks give every log group one ARN; the admin function's gets its own, as AWS would.
override_resource {
  target = aws_cloudwatch_log_group.admin
  values = { arn = "arn:aws:logs:eu-central-1:123456789012:log-group:/aws/lambda/concurrency-mgmt-lease-manager-admin" }
}

run "creates_table_function_role_and_log_group" {
  command = apply

  assert {
    condition     = length(aws_dynamodb_table.this) == 1 && length(aws_lambda_function.this) == 1 && length(aws_iam_role.lambda) == 1 && length(aws_cloudwatch_log_group.lambda) == 1
    error_message = "defaults create the table, the function, its role and log group"
  }

  assert {
    condition     = aws_dynamodb_table.this[0].name == "concurrency-mgmt-leases" && aws_dynamodb_table.this[0].hash_key == "PK" && aws_dynamodb_table.this[0].range_key == "SK"
    error_message = "table name and keys"
  }

  assert {
    condition     = aws_dynamodb_table.this[0].ttl[0].attribute_name == "ttl" && aws_dynamodb_table.this[0].ttl[0].enabled
    error_message = "TTL on the ttl attribute"
  }

  assert {
    condition     = aws_dynamodb_table.this[0].billing_mode == "PAY_PER_REQUEST" && length(aws_appautoscaling_target.table) == 0
    error_message = "on-demand by default, without autoscaling"
  }

  assert {
    condition     = aws_lambda_function.this[0].runtime == "provided.al2023" && aws_lambda_function.this[0].handler == "bootstrap" && aws_lambda_function.this[0].architectures == tolist(["x86_64"])
    error_message = "Native AOT bootstrap on provided.al2023 by default"
  }

  assert {
    condition = aws_lambda_function.this[0].environment[0].variables == tomap({
      LEASE_TABLE_NAME              = "concurrency-mgmt-leases"
      LEASE_TABLE_HASH_KEY          = "PK"
      LEASE_TABLE_RANGE_KEY         = "SK"
      LEASE_TABLE_TTL_ATTRIBUTE     = "ttl"
      LEASE_PREFIX                  = ""
      LEASE_MAX_CONCURRENT          = "100"
      LEASE_MAX_DURATION_SECONDS    = "600"
      LEASE_WAIT_STRATEGY           = "poll"
      LEASE_RECLAIM_SETTLE_SECONDS  = "10"
      LEASE_ADMIN_ACTIONS           = "disabled"
      POWERTOOLS_SERVICE_NAME       = "lease-manager"
      POWERTOOLS_LOG_LEVEL          = "INFO"
      POWERTOOLS_LOGGER_SAMPLE_RATE = "0"
      POWERTOOLS_LOGGER_LOG_EVENT   = "false"
      POWERTOOLS_METRICS_NAMESPACE  = "SfnConcurrencyLease"
      POWERTOOLS_METRICS_DISABLED   = "false"
    })
    error_message = "the function's environment is exactly what the lease engine and the observability settings read"
  }

  assert {
    condition     = aws_lambda_function.this[0].logging_config[0].log_format == "JSON" && aws_lambda_function.this[0].tracing_config[0].mode == "PassThrough" && aws_lambda_function.this[0].kms_key_arn == null
    error_message = "JSON logs, no active tracing, no CMK by default"
  }

  assert {
    condition     = aws_cloudwatch_log_group.lambda[0].name == "/aws/lambda/concurrency-mgmt-lease-manager" && aws_cloudwatch_log_group.lambda[0].retention_in_days == 7
    error_message = "log group named for the function with 7 days retention"
  }

  assert {
    condition     = aws_lambda_function.this[0].source_code_hash == filebase64sha256(var.lambda_package_path)
    error_message = "a prebuilt package is deployed by its own hash"
  }

  assert {
    condition     = length(terraform_data.package) == 0
    error_message = "a prebuilt package is not built again"
  }
}

run "lambda_policy_is_least_privilege" {
  command = apply

  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.lambda[0].policy).Statement : s.Sid] == ["WriteOwnLogs", "UseOwnLeasePool"]
    error_message = "without tracing or a CMK the role may only write its logs and use its pool"
  }

  assert {
    condition     = jsondecode(aws_iam_role_policy.lambda[0].policy).Statement[1].Condition == { "ForAllValues:StringEquals" = { "dynamodb:LeadingKeys" = ["pool#"] } }
    error_message = "DynamoDB access is limited to the pool's partition"
  }

  assert {
    condition     = jsondecode(aws_iam_role_policy.lambda[0].policy).Statement[1].Resource == ["arn:aws:dynamodb:eu-central-1:123456789012:table/concurrency-mgmt-leases"]
    error_message = "DynamoDB access is limited to the table"
  }

  assert {
    condition     = jsondecode(aws_iam_role_policy.lambda[0].policy).Statement[1].Action == ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"]
    error_message = "exactly the item actions the engine uses"
  }

  assert {
    condition = jsondecode(aws_iam_role_policy.lambda[0].policy).Statement[0].Resource == [
      "arn:aws:logs:eu-central-1:123456789012:log-group:/aws/lambda/concurrency-mgmt-lease-manager:*",
      "arn:aws:logs:eu-central-1:123456789012:log-group:/aws/lambda/concurrency-mgmt-lease-manager-admin:*",
    ]
    error_message = "logs only to the two functions' own log groups"
  }

  assert {
    condition = alltrue(flatten([for s in jsondecode(aws_iam_role_policy.lambda[0].policy).Statement : [
      [for a in s.Action : !strcontains(a, "*")],
      [for r in s.Resource : r != "*"],
    ]]))
    error_message = "no wildcard actions and no Resource \"*\""
  }

  assert {
    condition     = jsondecode(aws_iam_role.lambda[0].assume_role_policy).Statement[0].Principal.Service == "lambda.amazonaws.com"
    error_message = "only Lambda assumes the role"
  }

  assert {
    condition = jsondecode(output.lambda_permissions) == {
      Version = "2012-10-17"
      Statement = [{
        Sid      = "InvokeLeaseManager"
        Effect   = "Allow"
        Action   = ["lambda:InvokeFunction"]
        Resource = ["arn:aws:lambda:eu-central-1:123456789012:function:concurrency-mgmt-lease-manager", "arn:aws:lambda:eu-central-1:123456789012:function:concurrency-mgmt-lease-manager:*"]
      }]
    }
    error_message = "lambda_permissions grants invoke on exactly this function, its versions and aliases"
  }
}

run "acquire_fragment_holds_the_whole_acquire_step" {
  command = apply

  assert {
    condition     = keys(jsondecode(output.acquire_lease_state)) == ["AcquireLease", "CheckLeaseStatus", "WaitForLease"]
    error_message = "acquire_lease_state carries the Task, the Choice and the Wait"
  }

  assert {
    condition = jsondecode(output.acquire_lease_state).AcquireLease.Parameters == {
      FunctionName = "arn:aws:lambda:eu-central-1:123456789012:function:concurrency-mgmt-lease-manager"
      Payload = {
        action          = "acquire"
        "resource_id.$" = "$.resource_id"
        "owner_id.$"    = "$$.Execution.Id"
        "attempt.$"     = "$$.State.RetryCount"
      }
    }
    error_message = "the Task sends resource_id (the key the Lambda reads), the execution id as owner and its retry count"
  }

  assert {
    condition     = jsondecode(output.acquire_lease_state).AcquireLease.Resource == "arn:aws:states:::lambda:invoke"
    error_message = "optimised Lambda integration"
  }

  assert {
    condition     = jsondecode(output.acquire_lease_state).AcquireLease.ResultPath == "$.acquireLease" && jsondecode(output.acquire_lease_state).AcquireLease.Next == "CheckLeaseStatus"
    error_message = "result under $.acquireLease, then the Choice"
  }

  assert {
    condition = jsondecode(output.acquire_lease_state).CheckLeaseStatus == {
      Type    = "Choice"
      Comment = "Go on only with a lease."
      Choices = [
        { Variable = "$.acquireLease.status", StringEquals = "acquired", Next = "StartExecution" },
        { Variable = "$.acquireLease.status", StringEquals = "wait", Next = "WaitForLease" },
      ]
    }
    error_message = "only acquired leads to the work; no Default, so any other answer fails the execution"
  }

  assert {
    condition     = jsondecode(output.acquire_lease_state).WaitForLease == { Type = "Wait", Comment = "The pool is full: ask again shortly.", Seconds = 5, Next = "AcquireLease" }
    error_message = "the Wait loops back to AcquireLease"
  }

  assert {
    condition = jsondecode(output.acquire_lease_state).AcquireLease.Retry == [{
      ErrorEquals = [
        "Lambda.ClientExecutionTimeoutException", "Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException",
        "Lambda.TooManyRequestsException", "Sandbox.Timedout", "Lambda.Unknown", "LeaseManager.TransientFailure",
      ]
      IntervalSeconds = 1
      MaxAttempts     = 6
      BackoffRate     = 2
      MaxDelaySeconds = 30
      JitterStrategy  = "FULL"
    }]
    error_message = "transient Lambda and lease errors retry with backoff and full jitter"
  }

  assert {
    condition     = merge(jsondecode(output.acquire_lease_state), jsondecode(output.check_lease_status_state), jsondecode(output.wait_for_lease_state)) == jsondecode(output.acquire_lease_state)
    error_message = "merging the separate Choice and Wait outputs too (the seed's style) changes nothing"
  }
}

run "release_fragment_reads_the_lease_id_where_acquire_put_it" {
  command = apply

  assert {
    condition     = jsondecode(output.release_lease_state).ReleaseLease.Parameters.Payload == { action = "release", "lease_id.$" = "$.acquireLease.lease_id" }
    error_message = "the default lease id path matches the default result path"
  }

  assert {
    condition     = jsondecode(output.release_lease_state).ReleaseLease.Next == "NextStep" && !can(jsondecode(output.release_lease_state).ReleaseLease.End)
    error_message = "Next, not End, by default"
  }

  assert {
    condition     = jsondecode(output.release_lease_state).ReleaseLease.ResultPath == "$.releaseLease" && jsondecode(output.release_lease_state).ReleaseLease.Retry == jsondecode(output.acquire_lease_state).AcquireLease.Retry
    error_message = "release stores its answer under $.releaseLease and retries like acquire"
  }

  assert {
    condition     = output.sfn_acquire_lease_state_name == "AcquireLease" && output.sfn_release_lease_state_name == "ReleaseLease" && output.sfn_check_lease_state_name == "CheckLeaseStatus" && output.sfn_wait_state_name == "WaitForLease"
    error_message = "state name outputs"
  }

  assert {
    condition     = output.lease_pool_key == "pool#" && output.dynamodb_table_name == "concurrency-mgmt-leases"
    error_message = "pool key and table name outputs"
  }
}

run "end_state_renders_a_boolean_End" {
  command = apply

  variables {
    end_state_after_release_lease = true
    sfn_post_acquire_lease_state  = "ProcessWork"
  }

  assert {
    condition     = jsondecode(output.release_lease_state).ReleaseLease.End == true && !can(jsondecode(output.release_lease_state).ReleaseLease.Next)
    error_message = "End is the JSON boolean true (the seed renders the string \"true\", which Step Functions rejects)"
  }

  assert {
    condition     = strcontains(output.release_lease_state, "\"End\":true")
    error_message = "rendered JSON has \"End\":true"
  }
}

run "reclaim_is_off_by_default" {
  command = apply

  assert {
    condition     = length(aws_cloudwatch_event_rule.reclaim) == 0 && length(aws_lambda_permission.reclaim) == 0 && output.reclaim_rule_arn == null
    error_message = "no rule, no permission unless asked"
  }
}
