# Validation of the DynamoDB inputs: each bad value is rejected at plan.

mock_provider "aws" {
  source = "./tests/terraform/mocks"
}

# One plan rejects a bad value of every DynamoDB input: each validation reads its own input only.
run "rejects_bad_table_settings" {
  command = plan

  variables {
    ddb_table_name         = "my table"                               # charset
    ddb_hash_key           = ""                                       # empty
    ddb_range_key          = ""                                       # empty
    ddb_ttl_attribute_name = ""                                       # empty
    ddb_billing_mode       = "ON_DEMAND"                              # not a billing mode
    ddb_read_capacity      = 0                                        # zero
    ddb_write_capacity     = 0                                        # zero
    ddb_autoscaling_read   = { max_capacity = 10, target_value = 95 } # target over 90 %
    ddb_autoscaling_write  = { max_capacity = 0 }                     # max of zero
  }

  expect_failures = [
    var.ddb_table_name,
    var.ddb_hash_key,
    var.ddb_range_key,
    var.ddb_ttl_attribute_name,
    var.ddb_billing_mode,
    var.ddb_read_capacity,
    var.ddb_write_capacity,
    var.ddb_autoscaling_read,
    var.ddb_autoscaling_write,
  ]
}
