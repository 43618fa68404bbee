variable "region" {
  description = "AWS region to deploy into."
  type        = string
  default     = "eu-central-1"
}

variable "name_prefix" {
  description = "Prefix for every resource name."
  type        = string
  default     = "glue-pipeline"
}

variable "max_concurrent_jobs" {
  description = "How many Glue job runs may be in flight at once, across every execution of the pipeline (the lease pool's limit)."
  type        = number
  default     = 4

  validation {
    condition     = var.max_concurrent_jobs >= 1 && floor(var.max_concurrent_jobs) == var.max_concurrent_jobs
    error_message = "max_concurrent_jobs must be a whole number of at least 1."
  }
}

variable "glue_job_timeout_minutes" {
  description = "The Glue job's timeout: a run that lasts longer is stopped by Glue and counts as a failed attempt."
  type        = number
  default     = 30

  validation {
    condition     = var.glue_job_timeout_minutes >= 1 && floor(var.glue_job_timeout_minutes) == var.glue_job_timeout_minutes
    error_message = "glue_job_timeout_minutes must be a whole number of at least 1."
  }
}

variable "max_lease_duration_seconds" {
  description = "Lifetime of a lease. The lease is held across every attempt of the Glue Task, which cannot renew it while it waits (.sync), so it must cover all attempts and the backoff between them (the state machine's precondition checks it)."
  type        = number
  default     = 7200
}

variable "lease_manager_package_path" {
  description = "Prebuilt lease-manager zip (from `make package`); null builds it from the module's sources during apply."
  type        = string
  default     = null
}
