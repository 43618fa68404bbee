variable "region" {
  description = "AWS region where the shared lease infrastructure will be deployed."
  type        = string
  default     = "eu-central-1"
}

variable "shared_table_name" {
  description = "Name of the DynamoDB table that will be shared across applications in the region."
  type        = string
  default     = "regional-concurrency-leases"
}

variable "lease_manager_package_path" {
  description = "Prebuilt lease-manager zip (from `make package`); null builds it from the module's sources during apply."
  type        = string
  default     = null
}
