# Table features: provisioned capacity with autoscaling, PITR, deletion protection, CMK encryption.

mock_provider "aws" {
  source = "./tests/terraform/mocks"
}

run "provisioned_with_autoscaling_pitr_protection_and_cmk" {
  command = apply

  variables {
    name_prefix                        = "prod"
    ddb_billing_mode                   = "PROVISIONED"
    ddb_read_capacity                  = 5
    ddb_write_capacity                 = 10
    ddb_autoscaling_enabled            = true
    ddb_autoscaling_read               = { max_capacity = 50 }
    ddb_autoscaling_write              = { max_capacity = 100, target_value = 60 }
    ddb_point_in_time_recovery_enabled = true
    ddb_deletion_protection_enabled    = true
    kms_key_arn                        = "arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    lambdas_tracing_enabled            = true
  }

  assert {
    condition     = length(aws_dynamodb_table.this) == 0 && length(aws_dynamodb_table.autoscaled) == 1 && output.dynamodb_table_arn == aws_dynamodb_table.autoscaled[0].arn
    error_message = "an autoscaled table is the resource that ignores capacity changes, and the outputs follow it"
  }

  assert {
    condition     = aws_dynamodb_table.autoscaled[0].billing_mode == "PROVISIONED" && aws_dynamodb_table.autoscaled[0].read_capacity == 5 && aws_dynamodb_table.autoscaled[0].write_capacity == 10
    error_message = "provisioned capacities"
  }

  assert {
    condition     = aws_appautoscaling_target.table["read"].min_capacity == 5 && aws_appautoscaling_target.table["read"].max_capacity == 50 && aws_appautoscaling_target.table["read"].resource_id == "table/prod-leases"
    error_message = "read autoscaling from the provisioned floor to its max"
  }

  assert {
    condition     = aws_appautoscaling_target.table["write"].scalable_dimension == "dynamodb:table:WriteCapacityUnits" && aws_appautoscaling_policy.table["write"].target_tracking_scaling_policy_configuration[0].target_value == 60
    error_message = "write autoscaling with its own target"
  }

  assert {
    condition     = aws_appautoscaling_policy.table["read"].target_tracking_scaling_policy_configuration[0].predefined_metric_specification[0].predefined_metric_type == "DynamoDBReadCapacityUtilization"
    error_message = "read target tracking metric"
  }

  assert {
    condition     = aws_dynamodb_table.autoscaled[0].point_in_time_recovery[0].enabled && aws_dynamodb_table.autoscaled[0].deletion_protection_enabled
    error_message = "PITR and deletion protection"
  }

  assert {
    condition     = aws_dynamodb_table.autoscaled[0].server_side_encryption[0].enabled && aws_dynamodb_table.autoscaled[0].server_side_encryption[0].kms_key_arn == "arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    error_message = "table encrypted with the CMK"
  }

  assert {
    condition     = aws_lambda_function.this[0].kms_key_arn == "arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" && aws_lambda_function.this[0].tracing_config[0].mode == "Active"
    error_message = "environment encrypted with the CMK; active tracing"
  }

  assert {
    condition = [for s in jsondecode(aws_iam_role_policy.lambda[0].policy).Statement : { sid = s.Sid, action = s.Action, resource = s.Resource } if contains(["WriteTraces", "DecryptEnvironment"], s.Sid)] == [
      { sid = "WriteTraces", action = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resource = ["*"] },
      { sid = "DecryptEnvironment", action = ["kms:Decrypt"], resource = ["arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"] },
    ]
    error_message = "X-Ray write only with tracing (Resource * is X-Ray's requirement); kms:Decrypt only on the given key"
  }
}

run "provisioned_without_capacities_fails_at_plan" {
  command = plan

  variables {
    ddb_billing_mode = "PROVISIONED"
  }

  expect_failures = [aws_dynamodb_table.this]
}

run "capacities_without_provisioned_fail_at_plan" {
  command = plan

  variables {
    ddb_read_capacity = 5
  }

  expect_failures = [aws_dynamodb_table.this]
}

run "autoscaling_on_demand_fails_at_plan" {
  command = plan

  variables {
    ddb_autoscaling_enabled = true
  }

  expect_failures = [aws_dynamodb_table.this]
}

run "colliding_attribute_names_fail_at_plan" {
  command = plan

  variables {
    ddb_ttl_attribute_name = "PK"
  }

  expect_failures = [aws_dynamodb_table.this]
}

# Capacities: Terraform's to change on a provisioned table, autoscaling's once it is on.

run "provisioned_table_created" {
  command = apply

  variables {
    name_prefix        = "prov"
    ddb_billing_mode   = "PROVISIONED"
    ddb_read_capacity  = 5
    ddb_write_capacity = 5
  }

  assert {
    condition     = length(aws_dynamodb_table.this) == 1 && length(aws_dynamodb_table.autoscaled) == 0 && output.dynamodb_table_name == "prov-leases"
    error_message = "a table without autoscaling keeps its address (aws_dynamodb_table.this), so existing states need no move"
  }
}

run "provisioned_capacity_edit_shows_in_the_plan" {
  command = plan

  variables {
    name_prefix        = "prov"
    ddb_billing_mode   = "PROVISIONED"
    ddb_read_capacity  = 7
    ddb_write_capacity = 9
  }

  assert {
    condition     = aws_dynamodb_table.this[0].read_capacity == 7 && aws_dynamodb_table.this[0].write_capacity == 9
    error_message = "without autoscaling a capacity edit is planned, not ignored"
  }
}

run "autoscaled_table_created" {
  command = apply

  variables {
    name_prefix             = "auto"
    ddb_billing_mode        = "PROVISIONED"
    ddb_read_capacity       = 5
    ddb_write_capacity      = 5
    ddb_autoscaling_enabled = true
  }

  assert {
    condition     = length(aws_dynamodb_table.autoscaled) == 1 && aws_appautoscaling_target.table["read"].resource_id == "table/auto-leases"
    error_message = "autoscaling targets the autoscaled table"
  }
}

run "autoscaled_capacity_stays_autoscalings" {
  command = plan

  variables {
    name_prefix             = "auto"
    ddb_billing_mode        = "PROVISIONED"
    ddb_read_capacity       = 7
    ddb_write_capacity      = 9
    ddb_autoscaling_enabled = true
  }

  assert {
    condition     = aws_dynamodb_table.autoscaled[0].read_capacity == 5 && aws_dynamodb_table.autoscaled[0].write_capacity == 5 && aws_appautoscaling_target.table["read"].min_capacity == 7
    error_message = "with autoscaling the table's capacities are left to it; the edit moves the scaling floor instead"
  }
}
