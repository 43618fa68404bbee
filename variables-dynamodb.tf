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
