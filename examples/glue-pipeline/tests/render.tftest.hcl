# One run whose outputs the local runner (the end-to-end tests) executes: a pool of 3, so a test can
# queue three times as many batches as there are slots.

mock_provider "aws" {
  source = "../../tests/terraform/mocks"
}

variables {
  lease_manager_package_path = "../../tests/terraform/fixtures/lease-manager-test.zip"
  max_concurrent_jobs        = 3
}

run "render" {
  command = apply
}
