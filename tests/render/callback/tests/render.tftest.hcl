# One run the ASL validators (and end-to-end tests) read. Distinct function ARNs (the mocks'
# lease-managers.tfmock.hcl) send each definition's lease Tasks to its own lease manager.

mock_provider "aws" {
  source = "../../terraform/mocks"
}

run "render" {
  command = apply
}
