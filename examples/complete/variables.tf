variable "region" {
  description = "AWS region to deploy into."
  type        = string
  default     = "eu-central-1"
}

variable "name_prefix" {
  description = "Prefix for every resource name."
  type        = string
  default     = "complete-example"
}

variable "jobs" {
  description = "How many jobs the workflow fans out through the lease."
  type        = number
  default     = 50
}

variable "max_concurrent_jobs" {
  description = "How many jobs may hold the lease at once (the orders pool's limit)."
  type        = number
  default     = 8
}

variable "lease_manager_package_path" {
  description = "Prebuilt lease-manager zip (from `make package`); null builds it from the module's sources during apply."
  type        = string
  default     = null
}
