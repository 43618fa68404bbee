# One run the end-to-end tests execute. Distinct function ARNs (the mocks' lease-managers.tfmock.hcl)
# send each definition's lease Tasks to its own lease manager.

mock_provider "aws" {
  source = "../../terraform/mocks"
}

run "render" {
  command = apply
}
