terraform {
  # Optional object attributes with defaults and terraform_data; `terraform test` with mock
  # providers (used by this repository's own tests) needs 1.7.
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.70, < 7.0"
    }
  }
}
