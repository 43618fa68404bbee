resource "aws_cloudwatch_log_group" "lambda" {
  count = local.create_lambda ? 1 : 0

  name              = "/aws/lambda/${local.function_name}"
  retention_in_days = var.cloudwatch_logs_retention_in_days
  tags              = var.tags
}

locals {
  # The function's environment (src/LeaseManager.Lambda/Hosting/FunctionEnvironment.cs names each
  # variable once; a test checks this map against it). The admin function (admin.tf) runs the same
  # package with LEASE_ADMIN_ACTIONS = "enabled". A null value leaves the variable out: the key
  # limits exist only when the fragments send a concurrency key.
  lambda_environment = { for name, value in {
    LEASE_TABLE_NAME           = local.table_name
    LEASE_TABLE_HASH_KEY       = var.ddb_hash_key
    LEASE_TABLE_RANGE_KEY      = var.ddb_range_key
    LEASE_TABLE_TTL_ATTRIBUTE  = var.ddb_ttl_attribute_name
    LEASE_PREFIX               = var.lease_prefix
    LEASE_MAX_CONCURRENT       = tostring(var.max_concurrent_leases)
    LEASE_MAX_DURATION_SECONDS = tostring(var.max_lease_duration_seconds)
    # An acquire still in flight when its execution ended lands within the function's timeout.
    LEASE_RECLAIM_SETTLE_SECONDS  = tostring(var.lambda_timeout_seconds)
    LEASE_WAIT_STRATEGY           = var.sfn_wait_strategy
    POWERTOOLS_SERVICE_NAME       = var.powertools_configuration.service_name
    POWERTOOLS_LOG_LEVEL          = upper(var.powertools_configuration.log_level)
    POWERTOOLS_LOGGER_SAMPLE_RATE = tostring(var.powertools_configuration.logger_sample_rate)
    POWERTOOLS_LOGGER_LOG_EVENT   = tostring(var.powertools_configuration.logger_log_event)
    POWERTOOLS_METRICS_NAMESPACE  = var.powertools_configuration.metrics_namespace
    POWERTOOLS_METRICS_DISABLED   = tostring(var.powertools_configuration.metrics_disabled)
    LEASE_ADMIN_ACTIONS           = "disabled"
    LEASE_MAX_CONCURRENT_PER_KEY  = local.keys_on && var.max_concurrent_leases_per_key != null ? tostring(var.max_concurrent_leases_per_key) : null
    LEASE_KEY_LIMITS              = length(local.key_limits) > 0 ? jsonencode(local.key_limits) : null
  } : name => value if value != null }
}

resource "aws_lambda_function" "this" {
  count = local.create_lambda ? 1 : 0

  function_name    = local.function_name
  description      = "Lease manager for pool '${var.lease_prefix}' (max ${var.max_concurrent_leases}) of table ${local.table_name}"
  role             = aws_iam_role.lambda[0].arn
  runtime          = var.lambda_runtime
  handler          = local.package_handler
  architectures    = local.lambda_architectures
  filename         = local.package_path
  source_code_hash = var.lambda_package_path != null ? filebase64sha256(var.lambda_package_path) : base64encode(local.package_sources_hash)
  memory_size      = var.lambda_memory_size
  timeout          = var.lambda_timeout_seconds
  kms_key_arn      = local.use_kms ? var.kms_key_arn : null

  environment {
    variables = local.lambda_environment
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.lambda[0].name
  }

  tracing_config {
    mode = var.lambdas_tracing_enabled ? "Active" : "PassThrough"
  }

  tags = var.tags

  depends_on = [
    aws_iam_role_policy.lambda,
    terraform_data.package,
  ]
}
