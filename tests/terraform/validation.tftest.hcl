# Every validation rejects a bad value at plan, with a message that says what to do.

mock_provider "aws" {
  source = "./tests/terraform/mocks"
}

variables {
  lambda_package_path = "tests/terraform/fixtures/lease-manager-test.zip"
}

run "rejects_name_prefix_charset" {
  command = plan

  variables {
    name_prefix = "bad prefix!"
  }

  expect_failures = [var.name_prefix]
}

run "rejects_name_prefix_too_long" {
  command = plan

  variables {
    name_prefix = "a-very-long-prefix-that-would-break-the-function-name"
  }

  expect_failures = [var.name_prefix]
}

run "rejects_lease_prefix_separator" {
  command = plan

  variables {
    lease_prefix = "team#1"
  }

  expect_failures = [var.lease_prefix]
}

run "rejects_max_concurrent_zero" {
  command = plan

  variables {
    max_concurrent_leases = 0
  }

  expect_failures = [var.max_concurrent_leases]
}

run "rejects_max_concurrent_fraction" {
  command = plan

  variables {
    max_concurrent_leases = 2.5
  }

  expect_failures = [var.max_concurrent_leases]
}

run "rejects_max_concurrent_too_many" {
  command = plan

  variables {
    max_concurrent_leases = 1001
  }

  expect_failures = [var.max_concurrent_leases]
}

run "rejects_duration_zero" {
  command = plan

  variables {
    max_lease_duration_seconds = 0
  }

  expect_failures = [var.max_lease_duration_seconds]
}

run "rejects_duration_over_a_day" {
  command = plan

  variables {
    max_lease_duration_seconds = 86401
  }

  expect_failures = [var.max_lease_duration_seconds]
}

run "rejects_runtime_enum" {
  command = plan

  variables {
    lambda_runtime = "dotnet6"
  }

  expect_failures = [var.lambda_runtime]
}

run "rejects_package_not_zip" {
  command = plan

  variables {
    lambda_package_path = "bootstrap"
  }

  expect_failures = [var.lambda_package_path]
}

run "rejects_memory_range" {
  command = plan

  variables {
    lambda_memory_size = 64
  }

  expect_failures = [var.lambda_memory_size]
}

run "rejects_timeout_range" {
  command = plan

  variables {
    lambda_timeout_seconds = 1
  }

  expect_failures = [var.lambda_timeout_seconds]
}

run "rejects_retention_enum" {
  command = plan

  variables {
    cloudwatch_logs_retention_in_days = 10
  }

  expect_failures = [var.cloudwatch_logs_retention_in_days]
}

run "rejects_kms_arn_format" {
  command = plan

  variables {
    kms_key_arn = "alias/my-key"
  }

  expect_failures = [var.kms_key_arn]
}

run "rejects_powertools_level" {
  command = plan

  variables {
    powertools_configuration = { log_level = "LOUD" }
  }

  expect_failures = [var.powertools_configuration]
}

run "rejects_powertools_sample_rate" {
  command = plan

  variables {
    powertools_configuration = { logger_sample_rate = 2 }
  }

  expect_failures = [var.powertools_configuration]
}

run "rejects_powertools_empty_service" {
  command = plan

  variables {
    powertools_configuration = { service_name = "" }
  }

  expect_failures = [var.powertools_configuration]
}

run "rejects_table_name_charset" {
  command = plan

  variables {
    ddb_table_name = "my table"
  }

  expect_failures = [var.ddb_table_name]
}

run "rejects_hash_key_empty" {
  command = plan

  variables {
    ddb_hash_key = ""
  }

  expect_failures = [var.ddb_hash_key]
}

run "rejects_range_key_empty" {
  command = plan

  variables {
    ddb_range_key = ""
  }

  expect_failures = [var.ddb_range_key]
}

run "rejects_ttl_empty" {
  command = plan

  variables {
    ddb_ttl_attribute_name = ""
  }

  expect_failures = [var.ddb_ttl_attribute_name]
}

run "rejects_billing_mode_enum" {
  command = plan

  variables {
    ddb_billing_mode = "ON_DEMAND"
  }

  expect_failures = [var.ddb_billing_mode]
}

run "rejects_read_capacity_zero" {
  command = plan

  variables {
    ddb_read_capacity = 0
  }

  expect_failures = [var.ddb_read_capacity]
}

run "rejects_write_capacity_zero" {
  command = plan

  variables {
    ddb_write_capacity = 0
  }

  expect_failures = [var.ddb_write_capacity]
}

run "rejects_autoscaling_read_target" {
  command = plan

  variables {
    ddb_autoscaling_read = { max_capacity = 10, target_value = 95 }
  }

  expect_failures = [var.ddb_autoscaling_read]
}

run "rejects_autoscaling_write_max" {
  command = plan

  variables {
    ddb_autoscaling_write = { max_capacity = 0 }
  }

  expect_failures = [var.ddb_autoscaling_write]
}

run "rejects_resource_id_path" {
  command = plan

  variables {
    sfn_resource_id_jsonpath = "resource_id"
  }

  expect_failures = [var.sfn_resource_id_jsonpath]
}

run "rejects_result_path" {
  command = plan

  variables {
    sfn_lease_result_path = "acquireLease"
  }

  expect_failures = [var.sfn_lease_result_path]
}

run "rejects_result_path_root" {
  command = plan

  variables {
    sfn_lease_result_path = "$"
  }

  expect_failures = [var.sfn_lease_result_path]
}

run "rejects_lease_id_path" {
  command = plan

  variables {
    sfn_lease_id_jsonpath = "lease_id"
  }

  expect_failures = [var.sfn_lease_id_jsonpath]
}

run "rejects_release_result_path" {
  command = plan

  variables {
    sfn_release_lease_result_path = "releaseLease"
  }

  expect_failures = [var.sfn_release_lease_result_path]
}

run "rejects_acquire_name_empty" {
  command = plan

  variables {
    sfn_acquire_lease_state_name = ""
  }

  expect_failures = [var.sfn_acquire_lease_state_name]
}

run "rejects_check_name_long" {
  command = plan

  variables {
    sfn_check_lease_state_name = "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC"
  }

  expect_failures = [var.sfn_check_lease_state_name]
}

run "rejects_wait_name_empty" {
  command = plan

  variables {
    sfn_wait_state_name = ""
  }

  expect_failures = [var.sfn_wait_state_name]
}

run "rejects_release_name_empty" {
  command = plan

  variables {
    sfn_release_lease_state_name = ""
  }

  expect_failures = [var.sfn_release_lease_state_name]
}

run "rejects_post_acquire_empty" {
  command = plan

  variables {
    sfn_post_acquire_lease_state = ""
  }

  expect_failures = [var.sfn_post_acquire_lease_state]
}

run "rejects_post_release_empty" {
  command = plan

  variables {
    sfn_post_release_lease_state = ""
  }

  expect_failures = [var.sfn_post_release_lease_state]
}

run "rejects_wait_seconds_zero" {
  command = plan

  variables {
    sfn_wait_seconds = 0
  }

  expect_failures = [var.sfn_wait_seconds]
}

run "rejects_retry_backoff" {
  command = plan

  variables {
    sfn_task_retry = { backoff_rate = 0.5 }
  }

  expect_failures = [var.sfn_task_retry]
}

run "rejects_retry_max_delay_below_interval" {
  command = plan

  variables {
    sfn_task_retry = { interval_seconds = 10, max_delay_seconds = 5 }
  }

  expect_failures = [var.sfn_task_retry]
}

run "rejects_state_names_distinct" {
  command = plan

  variables {
    sfn_wait_state_name = "AcquireLease"
  }

  expect_failures = [output.acquire_lease_state]
}

run "rejects_post_acquire_not_a_lease_state" {
  command = plan

  variables {
    sfn_post_acquire_lease_state = "ReleaseLease"
  }

  expect_failures = [output.acquire_lease_state]
}

run "rejects_post_release_not_a_lease_state" {
  command = plan

  variables {
    sfn_post_release_lease_state = "AcquireLease"
  }

  expect_failures = [output.acquire_lease_state]
}

run "rejects_unknown_wait_strategy" {
  command = plan

  variables {
    sfn_wait_strategy = "sleep"
  }

  expect_failures = [var.sfn_wait_strategy]
}

run "rejects_lease_retry_interval_below_one" {
  command = plan

  variables {
    sfn_lease_retry = { interval_seconds = 0 }
  }

  expect_failures = [var.sfn_lease_retry]
}

run "rejects_lease_retry_fractional_interval" {
  command = plan

  variables {
    sfn_lease_retry = { interval_seconds = 1.5 }
  }

  expect_failures = [var.sfn_lease_retry]
}

run "rejects_lease_retry_shrinking_backoff" {
  command = plan

  variables {
    sfn_lease_retry = { backoff_rate = 0.5 }
  }

  expect_failures = [var.sfn_lease_retry]
}

run "rejects_lease_retry_without_attempts" {
  command = plan

  variables {
    sfn_lease_retry = { max_attempts = 0 }
  }

  expect_failures = [var.sfn_lease_retry]
}

run "rejects_lease_retry_cap_below_interval" {
  command = plan

  variables {
    sfn_lease_retry = { interval_seconds = 10, max_delay_seconds = 5 }
  }

  expect_failures = [var.sfn_lease_retry]
}

run "rejects_unknown_query_language" {
  command = plan

  variables {
    sfn_query_language = "jsonata"
  }

  expect_failures = [var.sfn_query_language]
}

run "rejects_jsonata_expression_with_delimiters" {
  command = plan

  variables {
    sfn_resource_id_jsonata = "{% $states.input.id %}"
  }

  expect_failures = [var.sfn_resource_id_jsonata]
}

run "rejects_blank_jsonata_expression" {
  command = plan

  variables {
    sfn_resource_id_jsonata = "  "
  }

  expect_failures = [var.sfn_resource_id_jsonata]
}

run "rejects_reserved_lease_variable_name" {
  command = plan

  variables {
    sfn_lease_variable_name = "states"
  }

  expect_failures = [var.sfn_lease_variable_name]
}

run "rejects_lease_variable_name_starting_with_a_digit" {
  command = plan

  variables {
    sfn_lease_variable_name = "1lease"
  }

  expect_failures = [var.sfn_lease_variable_name]
}

run "rejects_renew_state_name_too_long" {
  command = plan

  variables {
    sfn_renew_lease_state_name = "RenewLease-${join("", [for i in range(80) : "x"])}"
  }

  expect_failures = [var.sfn_renew_lease_state_name]
}

run "rejects_empty_post_renew_state" {
  command = plan

  variables {
    sfn_post_renew_lease_state = ""
  }

  expect_failures = [var.sfn_post_renew_lease_state]
}

run "rejects_renew_result_path_outside_the_input" {
  command = plan

  variables {
    sfn_renew_lease_result_path = "renewLease"
  }

  expect_failures = [var.sfn_renew_lease_result_path]
}

run "rejects_reclaim_arn_that_is_not_a_state_machine" {
  command = plan

  variables {
    reclaim_state_machine_arns = ["arn:aws:states:eu-central-1:123456789012:execution:orders:run-1"]
  }

  expect_failures = [var.reclaim_state_machine_arns]
}

# Retry fields Step Functions takes as integers only (IntervalSeconds, MaxAttempts, MaxDelaySeconds).

run "rejects_task_retry_fractional_interval" {
  command = plan

  variables {
    sfn_task_retry = { interval_seconds = 1.5 }
  }

  expect_failures = [var.sfn_task_retry]
}

run "rejects_task_retry_fractional_max_attempts" {
  command = plan

  variables {
    sfn_task_retry = { max_attempts = 2.5 }
  }

  expect_failures = [var.sfn_task_retry]
}

run "rejects_task_retry_fractional_max_delay" {
  command = plan

  variables {
    sfn_task_retry = { max_delay_seconds = 10.5 }
  }

  expect_failures = [var.sfn_task_retry]
}

run "rejects_task_retry_max_delay_over_the_limit" {
  command = plan

  variables {
    sfn_task_retry = { max_delay_seconds = 31622401 }
  }

  expect_failures = [var.sfn_task_retry]
}

run "rejects_lease_retry_fractional_max_attempts" {
  command = plan

  variables {
    sfn_wait_strategy = "retry"
    sfn_lease_retry   = { max_attempts = 7.5 }
  }

  expect_failures = [var.sfn_lease_retry]
}

run "accepts_whole_retry_values_with_a_fractional_backoff" {
  command = plan

  variables {
    sfn_wait_strategy = "retry"
    sfn_task_retry    = { interval_seconds = 2, max_attempts = 0, backoff_rate = 1.5, max_delay_seconds = 31622400 }
    sfn_lease_retry   = { interval_seconds = 3, max_attempts = 99999999, backoff_rate = 1.1, max_delay_seconds = 31622400 }
  }

  assert {
    condition     = local.task_retry[0].IntervalSeconds == 2 && local.task_retry[0].MaxDelaySeconds == 31622400
    error_message = "whole values render as given"
  }
}

# reclaim_state_machine_arns: CreateStateMachine's name rules, exactly (1-80 characters; no white
# space, brackets, wildcards, the listed specials or control characters; anything else is allowed).

run "accepts_every_valid_state_machine_name" {
  command = plan

  variables {
    reclaim_on_execution_failure = true
    reclaim_state_machine_arns = [
      "arn:aws:states:eu-central-1:123456789012:stateMachine:orders.v2",
      "arn:aws:states:eu-central-1:123456789012:stateMachine:billing+eu=1",
      "arn:aws:states:eu-central-1:123456789012:stateMachine:Job@Night!'(x)",
      "arn:aws:states:eu-central-1:123456789012:stateMachine:straße-größe",
      "arn:aws-us-gov:states:us-gov-west-1:123456789012:stateMachine:${join("", [for i in range(80) : "x"])}",
      "arn:aws-cn:states:cn-north-1:123456789012:stateMachine:Express_Flow-1",
    ]
  }

  assert {
    condition     = length(aws_cloudwatch_event_rule.reclaim) == 1
    error_message = "valid state machine names are accepted"
  }
}

run "rejects_state_machine_name_with_space" {
  command = plan

  variables {
    reclaim_on_execution_failure = true
    reclaim_state_machine_arns   = ["arn:aws:states:eu-central-1:123456789012:stateMachine:my flow"]
  }

  expect_failures = [var.reclaim_state_machine_arns]
}

run "rejects_state_machine_name_with_unicode_space" {
  command = plan

  variables {
    reclaim_on_execution_failure = true
    reclaim_state_machine_arns   = ["arn:aws:states:eu-central-1:123456789012:stateMachine:my\u00a0flow"]
  }

  expect_failures = [var.reclaim_state_machine_arns]
}

run "rejects_state_machine_name_with_brackets" {
  command = plan

  variables {
    reclaim_on_execution_failure = true
    reclaim_state_machine_arns   = ["arn:aws:states:eu-central-1:123456789012:stateMachine:flow[1]"]
  }

  expect_failures = [var.reclaim_state_machine_arns]
}

run "rejects_state_machine_name_with_wildcard" {
  command = plan

  variables {
    reclaim_on_execution_failure = true
    reclaim_state_machine_arns   = ["arn:aws:states:eu-central-1:123456789012:stateMachine:flow*"]
  }

  expect_failures = [var.reclaim_state_machine_arns]
}

run "rejects_state_machine_name_with_special_character" {
  command = plan

  variables {
    reclaim_on_execution_failure = true
    reclaim_state_machine_arns   = ["arn:aws:states:eu-central-1:123456789012:stateMachine:flow#1"]
  }

  expect_failures = [var.reclaim_state_machine_arns]
}

run "rejects_state_machine_version_arn" {
  command = plan

  variables {
    reclaim_on_execution_failure = true
    reclaim_state_machine_arns   = ["arn:aws:states:eu-central-1:123456789012:stateMachine:flow:1"]
  }

  expect_failures = [var.reclaim_state_machine_arns]
}

run "rejects_state_machine_name_with_control_character" {
  command = plan

  variables {
    reclaim_on_execution_failure = true
    reclaim_state_machine_arns   = ["arn:aws:states:eu-central-1:123456789012:stateMachine:flow\u0085"]
  }

  expect_failures = [var.reclaim_state_machine_arns]
}

run "rejects_state_machine_name_over_80_characters" {
  command = plan

  variables {
    reclaim_on_execution_failure = true
    reclaim_state_machine_arns   = ["arn:aws:states:eu-central-1:123456789012:stateMachine:${join("", [for i in range(81) : "x"])}"]
  }

  expect_failures = [var.reclaim_state_machine_arns]
}
