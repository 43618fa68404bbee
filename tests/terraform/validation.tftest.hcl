# Every validation rejects a bad value at plan, with a message that says what to do: the switches,
# the pool and the Lambda here; DynamoDB, Step Functions fragments and retries in the
# validation_*.tftest.hcl files beside this one, reclaim in reclaim.tftest.hcl.

mock_provider "aws" {
  source = "./tests/terraform/mocks"
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
