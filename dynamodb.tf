# Two table resources, at most one of them created: autoscaling owns an autoscaled table's
# capacities (Terraform must ignore them or it would set them back on every apply), while every
# other table's capacities are Terraform's to change. ignore_changes cannot depend on a variable,
# hence two resources. `this` keeps its address for the common (not autoscaled) case, so existing
# states need no move; an autoscaled table created before this split moves with
#   terraform state mv 'module.<name>.aws_dynamodb_table.this[0]' 'module.<name>.aws_dynamodb_table.autoscaled[0]'
# (a moved block cannot: it would also move every non-autoscaled table into the wrong resource).
locals {
  table_autoscaled = local.create_table && var.ddb_autoscaling_enabled && var.ddb_billing_mode == "PROVISIONED"
  # The table this module created, whichever resource holds it (null when it creates none).
  created_table = one(concat(aws_dynamodb_table.this, aws_dynamodb_table.autoscaled))
}

resource "aws_dynamodb_table" "this" {
  count = local.create_table && !local.table_autoscaled ? 1 : 0

  name                        = local.table_name
  billing_mode                = var.ddb_billing_mode
  read_capacity               = var.ddb_billing_mode == "PROVISIONED" ? var.ddb_read_capacity : null
  write_capacity              = var.ddb_billing_mode == "PROVISIONED" ? var.ddb_write_capacity : null
  hash_key                    = var.ddb_hash_key
  range_key                   = var.ddb_range_key
  deletion_protection_enabled = var.ddb_deletion_protection_enabled

  attribute {
    name = var.ddb_hash_key
    type = "S"
  }

  attribute {
    name = var.ddb_range_key
    type = "S"
  }

  # Cleanup only: the function treats a lease as free the moment it expires.
  ttl {
    attribute_name = var.ddb_ttl_attribute_name
    enabled        = true
  }

  point_in_time_recovery {
    enabled = var.ddb_point_in_time_recovery_enabled
  }

  server_side_encryption {
    enabled     = local.use_kms
    kms_key_arn = local.use_kms ? var.kms_key_arn : null
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = var.ddb_billing_mode != "PROVISIONED" || (var.ddb_read_capacity != null && var.ddb_write_capacity != null)
      error_message = "ddb_billing_mode = \"PROVISIONED\" needs ddb_read_capacity and ddb_write_capacity."
    }

    precondition {
      condition     = var.ddb_billing_mode == "PROVISIONED" || (var.ddb_read_capacity == null && var.ddb_write_capacity == null)
      error_message = "ddb_read_capacity and ddb_write_capacity apply only to ddb_billing_mode = \"PROVISIONED\"; remove them or switch billing mode."
    }

    precondition {
      condition     = !var.ddb_autoscaling_enabled || var.ddb_billing_mode == "PROVISIONED"
      error_message = "ddb_autoscaling_enabled needs ddb_billing_mode = \"PROVISIONED\" (on-demand tables scale by themselves)."
    }

    precondition {
      condition     = length(distinct([var.ddb_hash_key, var.ddb_range_key, var.ddb_ttl_attribute_name])) == 3
      error_message = "ddb_hash_key, ddb_range_key and ddb_ttl_attribute_name must be three different attribute names."
    }
  }
}

resource "aws_dynamodb_table" "autoscaled" {
  count = local.table_autoscaled ? 1 : 0

  name                        = local.table_name
  billing_mode                = var.ddb_billing_mode
  read_capacity               = var.ddb_billing_mode == "PROVISIONED" ? var.ddb_read_capacity : null
  write_capacity              = var.ddb_billing_mode == "PROVISIONED" ? var.ddb_write_capacity : null
  hash_key                    = var.ddb_hash_key
  range_key                   = var.ddb_range_key
  deletion_protection_enabled = var.ddb_deletion_protection_enabled

  attribute {
    name = var.ddb_hash_key
    type = "S"
  }

  attribute {
    name = var.ddb_range_key
    type = "S"
  }

  # Cleanup only: the function treats a lease as free the moment it expires.
  ttl {
    attribute_name = var.ddb_ttl_attribute_name
    enabled        = true
  }

  point_in_time_recovery {
    enabled = var.ddb_point_in_time_recovery_enabled
  }

  server_side_encryption {
    enabled     = local.use_kms
    kms_key_arn = local.use_kms ? var.kms_key_arn : null
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = var.ddb_billing_mode != "PROVISIONED" || (var.ddb_read_capacity != null && var.ddb_write_capacity != null)
      error_message = "ddb_billing_mode = \"PROVISIONED\" needs ddb_read_capacity and ddb_write_capacity."
    }

    precondition {
      condition     = length(distinct([var.ddb_hash_key, var.ddb_range_key, var.ddb_ttl_attribute_name])) == 3
      error_message = "ddb_hash_key, ddb_range_key and ddb_ttl_attribute_name must be three different attribute names."
    }

    # Autoscaling owns the capacities: Terraform would otherwise set them back on every apply.
    ignore_changes = [read_capacity, write_capacity]
  }
}

locals {
  autoscaling = local.table_autoscaled ? {
    read = {
      dimension = "dynamodb:table:ReadCapacityUnits"
      metric    = "DynamoDBReadCapacityUtilization"
      min       = coalesce(var.ddb_read_capacity, 1)
      settings  = var.ddb_autoscaling_read
    }
    write = {
      dimension = "dynamodb:table:WriteCapacityUnits"
      metric    = "DynamoDBWriteCapacityUtilization"
      min       = coalesce(var.ddb_write_capacity, 1)
      settings  = var.ddb_autoscaling_write
    }
  } : {}
}

resource "aws_appautoscaling_target" "table" {
  for_each = local.autoscaling

  service_namespace  = "dynamodb"
  resource_id        = "table/${aws_dynamodb_table.autoscaled[0].name}"
  scalable_dimension = each.value.dimension
  min_capacity       = each.value.min
  max_capacity       = max(each.value.min, each.value.settings.max_capacity)
  tags               = var.tags
}

resource "aws_appautoscaling_policy" "table" {
  for_each = local.autoscaling

  name               = "${local.table_name}-${each.key}-target-tracking"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.table[each.key].service_namespace
  resource_id        = aws_appautoscaling_target.table[each.key].resource_id
  scalable_dimension = aws_appautoscaling_target.table[each.key].scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = each.value.settings.target_value
    scale_in_cooldown  = each.value.settings.scale_in_cooldown
    scale_out_cooldown = each.value.settings.scale_out_cooldown

    predefined_metric_specification {
      predefined_metric_type = each.value.metric
    }
  }
}
