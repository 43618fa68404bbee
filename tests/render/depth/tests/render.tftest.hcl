# One run the end-to-end tests execute. Distinct function ARNs send each definition's lease Tasks to
# its own lease manager.

mock_provider "aws" {
  source = "../../terraform/mocks"
}

override_resource {
  target = module.lease["poll"].aws_lambda_function.this
  values = { arn = "arn:aws:lambda:eu-central-1:123456789012:function:depth-poll-lease-manager" }
}

override_resource {
  target = module.lease["jsonpath"].aws_lambda_function.this
  values = { arn = "arn:aws:lambda:eu-central-1:123456789012:function:depth-jsonpath-lease-manager" }
}

override_resource {
  target = module.lease["retry"].aws_lambda_function.this
  values = { arn = "arn:aws:lambda:eu-central-1:123456789012:function:depth-retry-lease-manager" }
}

override_resource {
  target = module.lease["bounded"].aws_lambda_function.this
  values = { arn = "arn:aws:lambda:eu-central-1:123456789012:function:depth-bounded-lease-manager" }
}

override_resource {
  target = module.lease["jsonata"].aws_lambda_function.this
  values = { arn = "arn:aws:lambda:eu-central-1:123456789012:function:depth-jsonata-lease-manager" }
}

override_resource {
  target = module.lease["jsonata_retry"].aws_lambda_function.this
  values = { arn = "arn:aws:lambda:eu-central-1:123456789012:function:depth-jsonata-retry-lease-manager" }
}

override_resource {
  target = module.renewing.aws_lambda_function.this
  values = { arn = "arn:aws:lambda:eu-central-1:123456789012:function:depth-renewing-lease-manager" }
}

run "render" {
  command = apply
}
