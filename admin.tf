# The operator's function: the same package and role as the lease manager, with the operator's
# actions (status, force_release, set_limit) switched on. A separate function, not an alias, so the
# state machine's invoke policy (lambda_permissions: this pool's lease manager, its versions and
# aliases) cannot reach it, and the function the state machines call refuses those actions whatever
# reaches it. Invoke it with the admin_permissions policy, or use the lease-manager CLI on the table.

locals {
  create_admin        = local.create_lambda && var.create_admin_function
  admin_function_name = "${local.function_name}-admin"
}

resource "aws_cloudwatch_log_group" "admin" {
  count = local.create_admin ? 1 : 0

  name              = "/aws/lambda/${local.admin_function_name}"
  retention_in_days = var.cloudwatch_logs_retention_in_days
  tags              = var.tags
}

resource "aws_lambda_function" "admin" {
  count = local.create_admin ? 1 : 0

  function_name    = local.admin_function_name
  description      = "Operator actions (status, force_release, set_limit) for lease pool '${var.lease_prefix}' of table ${local.table_name}"
  role             = aws_iam_role.lambda[0].arn
  runtime          = aws_lambda_function.this[0].runtime
  handler          = aws_lambda_function.this[0].handler
  architectures    = aws_lambda_function.this[0].architectures
  filename         = aws_lambda_function.this[0].filename
  source_code_hash = aws_lambda_function.this[0].source_code_hash
  memory_size      = var.lambda_memory_size
  # set_limit waits out the instances' trust in their last read (10 s) when it lowers a limit.
  timeout     = max(var.lambda_timeout_seconds, 30)
  kms_key_arn = local.use_kms ? var.kms_key_arn : null

  environment {
    variables = merge(local.lambda_environment, { LEASE_ADMIN_ACTIONS = "enabled" })
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.admin[0].name
  }

  tracing_config {
    mode = var.lambdas_tracing_enabled ? "Active" : "PassThrough"
  }

  tags = var.tags
}
