# Every validation rejects a bad value at plan, with a message that says what to do: the switches,
# the pool and the Lambda here; DynamoDB, Step Functions fragments and retries in the
# validation_*.tftest.hcl files beside this one, reclaim in reclaim.tftest.hcl.

mock_provider "aws" {
  source = "./tests/terraform/mocks"
}

# Each run rejects one bad value of several independent inputs in a single plan: every input's
# validation reads that input alone, and an input that fails skips whatever depends on it.

run "rejects_malformed_values" {
  command = plan

  variables {
    name_prefix                       = "bad prefix!"          # charset
    lease_prefix                      = "team#1"               # the # separator
    max_concurrent_leases             = 2.5                    # a fraction
    lambda_runtime                    = "dotnet6"              # not an allowed runtime
    lambda_package_path               = "bootstrap"            # not a .zip
    cloudwatch_logs_retention_in_days = 10                     # not a CloudWatch retention
    kms_key_arn                       = "alias/my-key"         # an alias, not a key ARN
    powertools_configuration          = { log_level = "LOUD" } # unknown log level
  }

  expect_failures = [
    var.name_prefix, var.lease_prefix, var.max_concurrent_leases, var.lambda_runtime,
    var.lambda_package_path, var.cloudwatch_logs_retention_in_days, var.kms_key_arn,
    var.powertools_configuration,
  ]
}

run "rejects_values_below_the_minimum" {
  command = plan

  variables {
    max_concurrent_leases      = 0                     # zero leases
    max_lease_duration_seconds = 0                     # zero duration
    lambda_memory_size         = 64                    # below 128 MB
    lambda_timeout_seconds     = 1                     # below 3 s
    powertools_configuration   = { service_name = "" } # empty service name
  }

  expect_failures = [
    var.max_concurrent_leases, var.max_lease_duration_seconds, var.lambda_memory_size,
    var.lambda_timeout_seconds, var.powertools_configuration,
  ]
}

run "rejects_values_above_the_maximum" {
  command = plan

  variables {
    max_concurrent_leases      = 1001                       # too many
    max_lease_duration_seconds = 86401                      # over a day
    powertools_configuration   = { logger_sample_rate = 2 } # sample rate over 1
    # too long
    name_prefix = "a-very-long-prefix-that-would-break-the-function-name"
  }

  expect_failures = [
    var.max_concurrent_leases, var.max_lease_duration_seconds, var.powertools_configuration,
    var.name_prefix,
  ]
}
