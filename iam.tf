# Policies are rendered with jsonencode so the documents Terraform sends to IAM are the documents
# this module's offline tests decode and assert (a mocked aws_iam_policy_document renders nothing).

resource "aws_iam_role" "lambda" {
  count = local.create_lambda ? 1 : 0

  name = "${local.function_name}-role"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "LambdaAssumeRole"
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "lambda.amazonaws.com" }
    }]
  })
  tags = var.tags
}

locals {
  lambda_policy = local.create_lambda ? {
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          Sid      = "WriteOwnLogs"
          Effect   = "Allow"
          Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
          Resource = [for g in concat(aws_cloudwatch_log_group.lambda, aws_cloudwatch_log_group.admin) : "${g.arn}:*"]
        },
        {
          # Exactly the calls src/ makes: PutItem, UpdateItem, DeleteItem, Query and TransactWriteItems,
          # which IAM authorises per item as PutItem/UpdateItem/DeleteItem, plus ConditionCheckItem with
          # the callback strategy (every grant and release checks the queue marker in its transaction)
          # and with concurrency keys (a prune checks each slot it drops from a key's set).
          Sid      = "UseOwnLeasePool"
          Effect   = "Allow"
          Action   = concat(["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"], var.sfn_wait_strategy == "callback" || local.keys_on ? ["dynamodb:ConditionCheckItem"] : [])
          Resource = [local.table_arn]
          Condition = {
            "ForAllValues:StringEquals" = { "dynamodb:LeadingKeys" = [local.pool_key] }
          }
        },
      ],
      var.lambdas_tracing_enabled ? [{
        # X-Ray accepts no resource-level permissions.
        Sid      = "WriteTraces"
        Effect   = "Allow"
        Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
        Resource = ["*"]
      }] : [],
      local.use_kms ? [{
        Sid      = "DecryptEnvironment"
        Effect   = "Allow"
        Action   = ["kms:Decrypt"]
        Resource = [var.kms_key_arn]
      }] : [],
      local.callback_strategy ? [{
        # The callback strategy completes queued executions' WaitForLease Tasks. The Service
        # Authorization Reference lists no resource type (and no condition key) for these three
        # actions: a task token names no state machine IAM could match, so a statement scoped to an
        # ARN is not a documented way to allow them and "*" is as narrow as IAM allows. The token is
        # the capability: the function only ever holds tokens its own queued executions sent it.
        Sid      = "CompleteQueuedWaits"
        Effect   = "Allow"
        Action   = ["states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat"]
        Resource = ["*"]
      }] : [],
    )
  } : null
}

resource "aws_iam_role_policy" "lambda" {
  count = local.create_lambda ? 1 : 0

  name   = "lease-manager"
  role   = aws_iam_role.lambda[0].id
  policy = jsonencode(local.lambda_policy)
}

locals {
  # Policies that invoke exactly one function, each only where its function is created:
  #   state_machine: this function, any of its versions and aliases (lambda_permissions, for the
  #                  state machine roles);
  #   admin:         the admin function (admin_permissions, for an operator's role, never a state
  #                  machine's);
  #   sweep:         this function, for the sweep schedule's role (scheduler.tf).
  invoke_grants = {
    state_machine = local.create_lambda ? { sid = "InvokeLeaseManager", functions = [aws_lambda_function.this[0].arn, "${aws_lambda_function.this[0].arn}:*"] } : null
    admin         = local.create_admin ? { sid = "InvokeLeaseManagerAdmin", functions = [aws_lambda_function.admin[0].arn] } : null
    sweep         = local.create_sweep ? { sid = "InvokeLeaseManagerSweep", functions = [aws_lambda_function.this[0].arn] } : null
  }
  invoke_policies = {
    for use, grant in local.invoke_grants : use => grant == null ? null : jsonencode({
      Version   = "2012-10-17"
      Statement = [{ Sid = grant.sid, Effect = "Allow", Action = ["lambda:InvokeFunction"], Resource = grant.functions }]
    })
  }
  lambda_permissions = local.invoke_policies.state_machine
  admin_permissions  = local.invoke_policies.admin
}
