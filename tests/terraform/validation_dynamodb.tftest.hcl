# Validation of the DynamoDB inputs: each bad value is rejected at plan.

mock_provider "aws" {
  source = "./tests/terraform/mocks"
}

run "rejects_table_name_charset" {
  command = plan

  variables {
    ddb_table_name = "my table"
  }

  expect_failures = [var.ddb_table_name]
}

run "rejects_hash_key_empty" {
  command = plan

  variables {
    ddb_hash_key = ""
  }

  expect_failures = [var.ddb_hash_key]
}

run "rejects_range_key_empty" {
  command = plan

  variables {
    ddb_range_key = ""
  }

  expect_failures = [var.ddb_range_key]
}

run "rejects_ttl_empty" {
  command = plan

  variables {
    ddb_ttl_attribute_name = ""
  }

  expect_failures = [var.ddb_ttl_attribute_name]
}

run "rejects_billing_mode_enum" {
  command = plan

  variables {
    ddb_billing_mode = "ON_DEMAND"
  }

  expect_failures = [var.ddb_billing_mode]
}

run "rejects_read_capacity_zero" {
  command = plan

  variables {
    ddb_read_capacity = 0
  }

  expect_failures = [var.ddb_read_capacity]
}

run "rejects_write_capacity_zero" {
  command = plan

  variables {
    ddb_write_capacity = 0
  }

  expect_failures = [var.ddb_write_capacity]
}

run "rejects_autoscaling_read_target" {
  command = plan

  variables {
    ddb_autoscaling_read = { max_capacity = 10, target_value = 95 }
  }

  expect_failures = [var.ddb_autoscaling_read]
}

run "rejects_autoscaling_write_max" {
  command = plan

  variables {
    ddb_autoscaling_write = { max_capacity = 0 }
  }

  expect_failures = [var.ddb_autoscaling_write]
}
