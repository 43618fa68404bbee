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

################################################################################
# DynamoDB
################################################################################

variable "ddb_table_name" {
  description = "Table name. Required when reusing a table (create_dynamodb_table = false); defaults to \"<name_prefix>-leases\" for a managed table."
  type        = string
  default     = ""

  validation {
    condition     = var.ddb_table_name == "" || can(regex("^[A-Za-z0-9_.-]{3,255}$", var.ddb_table_name))
    error_message = "ddb_table_name must be empty or 3-255 characters of A-Z a-z 0-9 _ . -."
  }
}

variable "ddb_hash_key" {
  description = "Name of the table's partition key attribute (string)."
  type        = string
  default     = "PK"

  validation {
    condition     = length(var.ddb_hash_key) >= 1 && length(var.ddb_hash_key) <= 255
    error_message = "ddb_hash_key must be 1-255 characters."
  }
}

variable "ddb_range_key" {
  description = "Name of the table's sort key attribute (string)."
  type        = string
  default     = "SK"

  validation {
    condition     = length(var.ddb_range_key) >= 1 && length(var.ddb_range_key) <= 255
    error_message = "ddb_range_key must be 1-255 characters."
  }
}

variable "ddb_ttl_attribute_name" {
  description = "Attribute DynamoDB TTL deletes expired lease items by (cleanup only; expiry is enforced by the function)."
  type        = string
  default     = "ttl"

  validation {
    condition     = length(var.ddb_ttl_attribute_name) >= 1 && length(var.ddb_ttl_attribute_name) <= 255
    error_message = "ddb_ttl_attribute_name must be 1-255 characters."
  }
}

variable "ddb_billing_mode" {
  description = "PAY_PER_REQUEST, or PROVISIONED with ddb_read_capacity and ddb_write_capacity."
  type        = string
  default     = "PAY_PER_REQUEST"

  validation {
    condition     = contains(["PAY_PER_REQUEST", "PROVISIONED"], var.ddb_billing_mode)
    error_message = "ddb_billing_mode must be \"PAY_PER_REQUEST\" or \"PROVISIONED\"."
  }
}

variable "ddb_read_capacity" {
  description = "Provisioned read capacity units (PROVISIONED billing only; the autoscaling floor when autoscaling is on)."
  type        = number
  default     = null

  validation {
    condition     = var.ddb_read_capacity == null || try(var.ddb_read_capacity >= 1, false)
    error_message = "ddb_read_capacity must be at least 1."
  }
}

variable "ddb_write_capacity" {
  description = "Provisioned write capacity units (PROVISIONED billing only; the autoscaling floor when autoscaling is on)."
  type        = number
  default     = null

  validation {
    condition     = var.ddb_write_capacity == null || try(var.ddb_write_capacity >= 1, false)
    error_message = "ddb_write_capacity must be at least 1."
  }
}

variable "ddb_autoscaling_enabled" {
  description = "Scale provisioned read and write capacity with target tracking (PROVISIONED billing only)."
  type        = bool
  default     = false
}

variable "ddb_autoscaling_read" {
  description = "Read autoscaling: upper bound, target utilisation (percent) and cooldowns (seconds)."
  type = object({
    max_capacity       = number
    target_value       = optional(number, 70)
    scale_in_cooldown  = optional(number, 60)
    scale_out_cooldown = optional(number, 60)
  })
  default = { max_capacity = 1 }

  validation {
    condition     = var.ddb_autoscaling_read.max_capacity >= 1 && var.ddb_autoscaling_read.target_value >= 20 && var.ddb_autoscaling_read.target_value <= 90
    error_message = "ddb_autoscaling_read.max_capacity must be at least 1 and target_value between 20 and 90."
  }
}

variable "ddb_autoscaling_write" {
  description = "Write autoscaling: upper bound, target utilisation (percent) and cooldowns (seconds)."
  type = object({
    max_capacity       = number
    target_value       = optional(number, 70)
    scale_in_cooldown  = optional(number, 60)
    scale_out_cooldown = optional(number, 60)
  })
  default = { max_capacity = 1 }

  validation {
    condition     = var.ddb_autoscaling_write.max_capacity >= 1 && var.ddb_autoscaling_write.target_value >= 20 && var.ddb_autoscaling_write.target_value <= 90
    error_message = "ddb_autoscaling_write.max_capacity must be at least 1 and target_value between 20 and 90."
  }
}

variable "ddb_point_in_time_recovery_enabled" {
  description = "Point-in-time recovery for the managed table."
  type        = bool
  default     = false
}

variable "ddb_deletion_protection_enabled" {
  description = "Protect the managed table from deletion."
  type        = bool
  default     = false
}

################################################################################
# Step Functions fragments
################################################################################

variable "sfn_resource_id_jsonpath" {
  description = "JSONPath (in the state input) of the resource id sent with each acquire. Together with the execution id it is the owner key that makes acquire idempotent, so items of one Map need distinct resource ids."
  type        = string
  default     = "$.resource_id"

  validation {
    condition     = startswith(var.sfn_resource_id_jsonpath, "$")
    error_message = "sfn_resource_id_jsonpath must be a JSONPath starting with \"$\"."
  }
}

variable "sfn_lease_result_path" {
  description = "ResultPath where AcquireLease stores its answer (status, lease_id, lease_expires_at, current_running, max_concurrent_leases)."
  type        = string
  default     = "$.acquireLease"

  validation {
    condition     = startswith(var.sfn_lease_result_path, "$.")
    error_message = "sfn_lease_result_path must be a JSONPath below the state input, starting with \"$.\"."
  }
}

variable "sfn_lease_id_jsonpath" {
  description = "JSONPath ReleaseLease reads the lease id from. null means \"<sfn_lease_result_path>.lease_id\", which always matches where AcquireLease put it."
  type        = string
  default     = null

  validation {
    condition     = var.sfn_lease_id_jsonpath == null || startswith(coalesce(var.sfn_lease_id_jsonpath, "$"), "$")
    error_message = "sfn_lease_id_jsonpath must be null or a JSONPath starting with \"$\"."
  }
}

variable "sfn_release_lease_result_path" {
  description = "ResultPath where ReleaseLease stores its answer (status, lease_id, released)."
  type        = string
  default     = "$.releaseLease"

  validation {
    condition     = startswith(var.sfn_release_lease_result_path, "$.")
    error_message = "sfn_release_lease_result_path must be a JSONPath below the state input, starting with \"$.\"."
  }
}

variable "sfn_acquire_lease_state_name" {
  description = "Name of the acquire Task state in the exported fragment."
  type        = string
  default     = "AcquireLease"

  validation {
    condition     = length(var.sfn_acquire_lease_state_name) >= 1 && length(var.sfn_acquire_lease_state_name) <= 80
    error_message = "sfn_acquire_lease_state_name must be 1-80 characters (the Step Functions limit for state names)."
  }
}

variable "sfn_check_lease_state_name" {
  description = "Name of the Choice state that routes on the acquire answer."
  type        = string
  default     = "CheckLeaseStatus"

  validation {
    condition     = length(var.sfn_check_lease_state_name) >= 1 && length(var.sfn_check_lease_state_name) <= 80
    error_message = "sfn_check_lease_state_name must be 1-80 characters (the Step Functions limit for state names)."
  }
}

variable "sfn_wait_state_name" {
  description = "Name of the Wait state used while the pool is full."
  type        = string
  default     = "WaitForLease"

  validation {
    condition     = length(var.sfn_wait_state_name) >= 1 && length(var.sfn_wait_state_name) <= 80
    error_message = "sfn_wait_state_name must be 1-80 characters (the Step Functions limit for state names)."
  }
}

variable "sfn_release_lease_state_name" {
  description = "Name of the release Task state in the exported fragment."
  type        = string
  default     = "ReleaseLease"

  validation {
    condition     = length(var.sfn_release_lease_state_name) >= 1 && length(var.sfn_release_lease_state_name) <= 80
    error_message = "sfn_release_lease_state_name must be 1-80 characters (the Step Functions limit for state names)."
  }
}

variable "sfn_post_acquire_lease_state" {
  description = "State to go to once the lease is held (your work state)."
  type        = string
  default     = "StartExecution"

  validation {
    condition     = length(var.sfn_post_acquire_lease_state) >= 1 && length(var.sfn_post_acquire_lease_state) <= 80
    error_message = "sfn_post_acquire_lease_state must be 1-80 characters."
  }
}

variable "sfn_post_release_lease_state" {
  description = "State to go to after ReleaseLease (ignored when end_state_after_release_lease is true)."
  type        = string
  default     = "NextStep"

  validation {
    condition     = length(var.sfn_post_release_lease_state) >= 1 && length(var.sfn_post_release_lease_state) <= 80
    error_message = "sfn_post_release_lease_state must be 1-80 characters."
  }
}

variable "end_state_after_release_lease" {
  description = "Make ReleaseLease an end state (\"End\": true) instead of going to sfn_post_release_lease_state."
  type        = bool
  default     = false
}

variable "sfn_wait_seconds" {
  description = "Seconds WaitForLease waits before asking again while the pool is full."
  type        = number
  default     = 5

  validation {
    condition     = var.sfn_wait_seconds >= 1 && var.sfn_wait_seconds <= 3600 && floor(var.sfn_wait_seconds) == var.sfn_wait_seconds
    error_message = "sfn_wait_seconds must be a whole number from 1 to 3600."
  }
}

variable "sfn_task_retry" {
  description = "Retry of the lease Tasks on Lambda service errors and LeaseManager.TransientFailure: exponential backoff with full jitter."
  type = object({
    interval_seconds  = optional(number, 1)
    max_attempts      = optional(number, 6)
    backoff_rate      = optional(number, 2)
    max_delay_seconds = optional(number, 30)
  })
  default = {}

  validation {
    condition = (
      # Step Functions takes IntervalSeconds, MaxAttempts and MaxDelaySeconds as integers only.
      var.sfn_task_retry.interval_seconds >= 1 && var.sfn_task_retry.interval_seconds <= 99999999 && floor(var.sfn_task_retry.interval_seconds) == var.sfn_task_retry.interval_seconds
      && var.sfn_task_retry.max_attempts >= 0 && var.sfn_task_retry.max_attempts <= 99999999 && floor(var.sfn_task_retry.max_attempts) == var.sfn_task_retry.max_attempts
      && var.sfn_task_retry.backoff_rate >= 1
      && var.sfn_task_retry.max_delay_seconds >= var.sfn_task_retry.interval_seconds && var.sfn_task_retry.max_delay_seconds <= 31622400 && floor(var.sfn_task_retry.max_delay_seconds) == var.sfn_task_retry.max_delay_seconds
    )
    error_message = "sfn_task_retry needs whole interval_seconds from 1 to 99999999, whole max_attempts from 0 to 99999999, backoff_rate >= 1, and whole max_delay_seconds from interval_seconds to 31622400 (the Step Functions limits)."
  }
}

variable "sfn_wait_strategy" {
  description = "How AcquireLease waits for a full pool. \"poll\": the lease manager answers \"wait\" and a Choice + Wait loop asks again every sfn_wait_seconds (three state transitions per attempt). \"retry\": the lease manager raises LeaseManager.LeaseUnavailable and the Task's own Retry asks again with backoff and full jitter (sfn_lease_retry; one transition per attempt), failing the execution with that error once the attempts run out."
  type        = string
  default     = "poll"

  validation {
    condition     = contains(["poll", "retry"], var.sfn_wait_strategy)
    error_message = "sfn_wait_strategy must be \"poll\" or \"retry\"."
  }
}

variable "sfn_lease_retry" {
  description = "With sfn_wait_strategy = \"retry\": the Retry of LeaseManager.LeaseUnavailable. Waits grow from interval_seconds by backoff_rate up to max_delay_seconds, each drawn with full jitter; after max_attempts the execution fails with LeaseManager.LeaseUnavailable (catch it to handle \"no capacity\" yourself). The defaults wait at most about 23 minutes in all (half that on average, with full jitter)."
  type = object({
    interval_seconds  = optional(number, 2)
    backoff_rate      = optional(number, 1.5)
    max_delay_seconds = optional(number, 60)
    max_attempts      = optional(number, 30)
  })
  default = {}

  validation {
    condition = (
      var.sfn_lease_retry.interval_seconds >= 1 && var.sfn_lease_retry.interval_seconds <= 99999999 && floor(var.sfn_lease_retry.interval_seconds) == var.sfn_lease_retry.interval_seconds
      && var.sfn_lease_retry.backoff_rate >= 1
      && var.sfn_lease_retry.max_delay_seconds >= var.sfn_lease_retry.interval_seconds && var.sfn_lease_retry.max_delay_seconds <= 31622400 && floor(var.sfn_lease_retry.max_delay_seconds) == var.sfn_lease_retry.max_delay_seconds
      && var.sfn_lease_retry.max_attempts >= 1 && var.sfn_lease_retry.max_attempts <= 99999999 && floor(var.sfn_lease_retry.max_attempts) == var.sfn_lease_retry.max_attempts
    )
    error_message = "sfn_lease_retry needs whole interval_seconds >= 1, backoff_rate >= 1, whole max_delay_seconds from interval_seconds to 31622400, and whole max_attempts from 1 to 99999999 (the Step Functions limits)."
  }
}

variable "sfn_query_language" {
  description = "Query language of the exported fragments. \"JSONata\" renders every state with QueryLanguage = \"JSONata\" (Arguments, Output, Assign): required when your state machine's top level is JSONata, where JSONPath states are not allowed. The answers go to the variable named by sfn_lease_variable_name instead of ResultPaths."
  type        = string
  default     = "JSONPath"

  validation {
    condition     = contains(["JSONPath", "JSONata"], var.sfn_query_language)
    error_message = "sfn_query_language must be \"JSONPath\" or \"JSONata\"."
  }
}

variable "sfn_resource_id_jsonata" {
  description = "JSONata fragments: the expression (without {% %}) giving the resource id, e.g. \"$states.input.job.id\". null derives it from sfn_resource_id_jsonpath when that is a plain dotted path (\"$.a.b\" becomes \"$states.input.a.b\")."
  type        = string
  default     = null

  validation {
    # try(): Terraform's || does not short-circuit, and the functions reject null.
    condition     = var.sfn_resource_id_jsonata == null || try(length(trimspace(var.sfn_resource_id_jsonata)) > 0 && !strcontains(var.sfn_resource_id_jsonata, "{%") && !strcontains(var.sfn_resource_id_jsonata, "%}"), true)
    error_message = "sfn_resource_id_jsonata must be null or a JSONata expression without the {% %} delimiters (the module adds them)."
  }
}

variable "sfn_lease_variable_name" {
  description = "JSONata fragments: the workflow variable AcquireLease assigns its answer to (status, lease_id, lease_expires_at, current_running, max_concurrent_leases); RenewLease updates lease_expires_at and ReleaseLease replaces it with the release answer. Read it as $<name>."
  type        = string
  default     = "lease"

  validation {
    condition     = can(regex("^[A-Za-z_][A-Za-z0-9_]{0,79}$", var.sfn_lease_variable_name)) && var.sfn_lease_variable_name != "states"
    error_message = "sfn_lease_variable_name must be a JSONata variable name (a letter or _, then letters, digits or _; at most 80) other than the reserved \"states\"."
  }
}

variable "sfn_renew_lease_state_name" {
  description = "Name of the renew Task state in the renew_lease_state fragment."
  type        = string
  default     = "RenewLease"

  validation {
    condition     = length(var.sfn_renew_lease_state_name) >= 1 && length(var.sfn_renew_lease_state_name) <= 80
    error_message = "sfn_renew_lease_state_name must be 1-80 characters (the Step Functions limit for state names)."
  }
}

variable "sfn_post_renew_lease_state" {
  description = "State RenewLease goes on to (the next step of your long work loop). renew_lease_state is null until this is set."
  type        = string
  default     = null

  validation {
    condition     = var.sfn_post_renew_lease_state == null || try(length(var.sfn_post_renew_lease_state) >= 1 && length(var.sfn_post_renew_lease_state) <= 80, true)
    error_message = "sfn_post_renew_lease_state must be null or 1-80 characters."
  }
}

variable "sfn_renew_lease_result_path" {
  description = "JSONPath fragments: ResultPath where RenewLease stores its answer (status, lease_id, lease_expires_at)."
  type        = string
  default     = "$.renewLease"

  validation {
    condition     = startswith(var.sfn_renew_lease_result_path, "$.")
    error_message = "sfn_renew_lease_result_path must be a JSONPath below the state input, starting with \"$.\"."
  }
}

################################################################################
# Reclaim on execution failure
################################################################################

variable "reclaim_on_execution_failure" {
  description = "Release an execution's leases as soon as it ends FAILED, TIMED_OUT or ABORTED (instead of when they expire): an EventBridge rule on the Step Functions execution status events of reclaim_state_machine_arns invokes the lease manager."
  type        = bool
  default     = false
}

variable "reclaim_state_machine_arns" {
  description = "State machines whose failed, timed-out or aborted executions have their leases released (with reclaim_on_execution_failure). Their Distributed Map child executions are matched too."
  type        = list(string)
  default     = []

  validation {
    # A name is 1-80 characters, none of them white space (\p{Z} and the control ranges), brackets
    # < > { } [ ], wildcards ? *, the specials " # % \ ^ | ~ ` $ & , ; : /, control characters
    # U+0000-001F and U+007F-009F, or U+FFFE-FFFF (CreateStateMachine's rules); anything else is valid.
    condition     = alltrue([for arn in var.reclaim_state_machine_arns : can(regex("^arn:aws[a-z-]*:states:[a-z0-9-]+:[0-9]{12}:stateMachine:[^\\p{Z}\\x{0}-\\x{1f}\\x{7f}-\\x{9f}\\x{fffe}\\x{ffff}<>{}\\[\\]?*\"#%\\\\^|~`$&,;:/]{1,80}$", arn))])
    error_message = "reclaim_state_machine_arns must hold state machine ARNs (arn:<partition>:states:<region>:<account>:stateMachine:<name>), the name 1-80 characters without white space, brackets < > { } [ ], wildcards ? *, control characters or any of \" # % \\ ^ | ~ ` $ & , ; : /."
  }
}
