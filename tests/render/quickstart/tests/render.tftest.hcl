# The quick start leaves lambda_package_path unset, so an apply would build the package: render it
# from the plan instead, with mocked values known at plan time.
mock_provider "aws" {
  source          = "../../tests/terraform/mocks"
  override_during = plan
}

override_resource {
  target          = aws_lambda_function.worker
  override_during = plan
  values          = { arn = "arn:aws:lambda:eu-central-1:123456789012:function:quickstart-worker" }
}

run "quickstart" {
  command = plan

  assert {
    condition     = jsondecode(output.definition).StartAt == "AcquireLease"
    error_message = "the quick start starts by acquiring a lease"
  }

  assert {
    condition     = keys(jsondecode(output.definition).States) == ["AcquireLease", "CheckLeaseStatus", "ProcessWork", "ReleaseLease", "WaitForLease"]
    error_message = "merging only acquire_lease_state and release_lease_state gives every state the workflow needs"
  }

  assert {
    condition     = jsondecode(output.definition).States.ReleaseLease.End == true
    error_message = "the workflow ends after releasing"
  }
}
