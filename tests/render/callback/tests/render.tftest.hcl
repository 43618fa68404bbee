# One run the ASL validators (and end-to-end tests) read. Distinct function ARNs send each
# definition's lease Tasks to its own lease manager.

mock_provider "aws" {
  source = "../../terraform/mocks"
}

override_resource {
  target = module.lease["jsonpath"].aws_lambda_function.this
  values = { arn = "arn:aws:lambda:eu-central-1:123456789012:function:callback-jsonpath-lease-manager" }
}

override_resource {
  target = module.lease["jsonata"].aws_lambda_function.this
  values = { arn = "arn:aws:lambda:eu-central-1:123456789012:function:callback-jsonata-lease-manager" }
}

override_resource {
  target = module.fifo.aws_lambda_function.this
  values = { arn = "arn:aws:lambda:eu-central-1:123456789012:function:callback-fifo-lease-manager" }
}

run "render" {
  command = apply
}
