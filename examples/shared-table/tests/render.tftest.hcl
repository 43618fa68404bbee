# One run whose outputs the local runner (make demo, the end-to-end tests) executes. Distinct
# function ARNs let it send each workflow's lease Tasks to that workflow's own lease manager.

mock_provider "aws" {
  source = "../../tests/terraform/mocks"
}

override_resource {
  target = module.analytics_lease.aws_lambda_function.this
  values = { arn = "arn:aws:lambda:eu-central-1:123456789012:function:shared-lease-platform-analytics-lease-manager" }
}

override_resource {
  target = module.batch_lease.aws_lambda_function.this
  values = { arn = "arn:aws:lambda:eu-central-1:123456789012:function:shared-lease-platform-batch-lease-manager" }
}

variables {
  lease_manager_package_path = "../../tests/terraform/fixtures/lease-manager-test.zip"
}

run "render" {
  command = apply
}
