################################################################################
# Switches
################################################################################

variable "create" {
  description = "Master switch: set to false to create nothing (every output is then null)."
  type        = bool
  default     = true
}

variable "create_lambdas" {
  description = "Create the lease-manager Lambda, its role and log group. Set to false for a table-only instance (the shared-table pattern)."
  type        = bool
  default     = true
}

variable "create_dynamodb_table" {
  description = "Create the lease table. Set to false to reuse an existing table named by ddb_table_name."
  type        = bool
  default     = true
}

variable "name_prefix" {
  description = "Prefix for every named resource (function, role, log group, default table name)."
  type        = string
  default     = "concurrency-mgmt"

  validation {
    condition     = can(regex("^[A-Za-z0-9-_]{1,40}$", var.name_prefix))
    error_message = "name_prefix must be 1-40 characters of A-Z a-z 0-9 - _ (the function name adds \"-lease-manager\" and may not exceed 64)."
  }
}

variable "tags" {
  description = "Tags applied to every resource the module creates."
  type        = map(string)
  default     = {}
}

################################################################################
# Lease pool
################################################################################

variable "lease_prefix" {
  description = "Pool name inside the table. Workloads sharing a table use distinct prefixes; each function may only touch its own pool's partition."
  type        = string
  default     = ""

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{0,64}$", var.lease_prefix))
    error_message = "lease_prefix must be at most 64 characters of A-Z a-z 0-9 _ . - (no '#': it would collide with the key layout)."
  }
}

variable "max_concurrent_leases" {
  description = "Most leases of this pool that may be held at once."
  type        = number
  default     = 100

  validation {
    condition     = var.max_concurrent_leases >= 1 && var.max_concurrent_leases <= 1000 && floor(var.max_concurrent_leases) == var.max_concurrent_leases
    error_message = "max_concurrent_leases must be a whole number from 1 to 1000."
  }
}

variable "max_lease_duration_seconds" {
  description = "Lifetime of a lease. An unreleased lease stops counting when it expires (a failed execution frees its capacity after this long); long work renews its lease."
  type        = number
  default     = 600

  validation {
    condition     = var.max_lease_duration_seconds >= 1 && var.max_lease_duration_seconds <= 86400 && floor(var.max_lease_duration_seconds) == var.max_lease_duration_seconds
    error_message = "max_lease_duration_seconds must be a whole number of seconds from 1 to 86400."
  }
}

################################################################################
# Lambda
################################################################################

variable "lambda_runtime" {
  description = "provided.al2023 runs the Native AOT bootstrap (fastest cold start); dotnet8 runs the framework-dependent build on the managed .NET 8 runtime."
  type        = string
  default     = "provided.al2023"

  validation {
    condition     = contains(["provided.al2023", "dotnet8"], var.lambda_runtime)
    error_message = "lambda_runtime must be \"provided.al2023\" (Native AOT) or \"dotnet8\" (framework-dependent)."
  }
}

variable "lambda_package_path" {
  description = "Path to a prebuilt package zip (from `make package`). When null, `terraform apply` builds the package from this module's sources (needs the .NET SDK; Native AOT also needs Linux x64 with clang or gcc)."
  type        = string
  default     = null

  validation {
    condition     = var.lambda_package_path == null || can(regex("\\.zip$", var.lambda_package_path))
    error_message = "lambda_package_path must point at a .zip file."
  }
}

variable "lambda_memory_size" {
  description = "Memory of the lease-manager function in MB (CPU scales with it)."
  type        = number
  default     = 256

  validation {
    condition     = var.lambda_memory_size >= 128 && var.lambda_memory_size <= 10240
    error_message = "lambda_memory_size must be from 128 to 10240 MB."
  }
}

variable "lambda_timeout_seconds" {
  description = "Timeout of the lease-manager function. The function answers with a retryable LeaseManager.TransientFailure shortly before it."
  type        = number
  default     = 10

  validation {
    condition     = var.lambda_timeout_seconds >= 3 && var.lambda_timeout_seconds <= 900
    error_message = "lambda_timeout_seconds must be from 3 to 900."
  }
}

variable "lambdas_tracing_enabled" {
  description = "Turn on AWS X-Ray active tracing for the function (and grant it X-Ray write access)."
  type        = bool
  default     = false
}

variable "cloudwatch_logs_retention_in_days" {
  description = "Retention of the function's log group."
  type        = number
  default     = 7

  validation {
    condition     = contains([0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.cloudwatch_logs_retention_in_days)
    error_message = "cloudwatch_logs_retention_in_days must be one of CloudWatch's values: 0 (never expire), 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key ARN: encrypts the function's environment and the managed table. Empty for AWS-owned keys."
  type        = string
  default     = ""

  validation {
    condition     = var.kms_key_arn == "" || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be empty or a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

variable "powertools_configuration" {
  description = "Logging and metrics settings, passed to the function as the POWERTOOLS_* variables Powertools for AWS Lambda defines."
  type = object({
    service_name       = optional(string, "lease-manager")
    log_level          = optional(string, "INFO")
    logger_sample_rate = optional(number, 0)
    logger_log_event   = optional(bool, false)
    metrics_namespace  = optional(string, "SfnConcurrencyLease")
    metrics_disabled   = optional(bool, false)
  })
  default = {}

  validation {
    condition     = contains(["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"], upper(var.powertools_configuration.log_level))
    error_message = "powertools_configuration.log_level must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL."
  }

  validation {
    condition     = var.powertools_configuration.logger_sample_rate >= 0 && var.powertools_configuration.logger_sample_rate <= 1
    error_message = "powertools_configuration.logger_sample_rate must be between 0 and 1."
  }

  validation {
    condition     = length(var.powertools_configuration.service_name) > 0 && length(var.powertools_configuration.metrics_namespace) > 0 && length(var.powertools_configuration.metrics_namespace) <= 255
    error_message = "powertools_configuration.service_name must not be empty and metrics_namespace must be 1-255 characters."
  }
}
