# One run whose outputs the local runner (make demo, the end-to-end tests) executes. Distinct
# function ARNs (the mocks' lease-managers.tfmock.hcl) let it send each workflow's lease Tasks to
# that workflow's own lease manager.

mock_provider "aws" {
  source = "../../tests/terraform/mocks"
}

variables {
  lease_manager_package_path = "../../tests/terraform/fixtures/lease-manager-test.zip"
}

run "render" {
  command = apply
}
