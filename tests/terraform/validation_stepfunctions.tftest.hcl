# Validation of the Step Functions fragment inputs (paths, state names, JSONata): each bad value
# is rejected at plan.

mock_provider "aws" {
  source = "./tests/terraform/mocks"
}

run "rejects_resource_id_path" {
  command = plan

  variables {
    sfn_resource_id_jsonpath = "resource_id"
  }

  expect_failures = [var.sfn_resource_id_jsonpath]
}

run "rejects_result_path" {
  command = plan

  variables {
    sfn_lease_result_path = "acquireLease"
  }

  expect_failures = [var.sfn_lease_result_path]
}

run "rejects_result_path_root" {
  command = plan

  variables {
    sfn_lease_result_path = "$"
  }

  expect_failures = [var.sfn_lease_result_path]
}

run "rejects_lease_id_path" {
  command = plan

  variables {
    sfn_lease_id_jsonpath = "lease_id"
  }

  expect_failures = [var.sfn_lease_id_jsonpath]
}

run "rejects_release_result_path" {
  command = plan

  variables {
    sfn_release_lease_result_path = "releaseLease"
  }

  expect_failures = [var.sfn_release_lease_result_path]
}

run "rejects_acquire_name_empty" {
  command = plan

  variables {
    sfn_acquire_lease_state_name = ""
  }

  expect_failures = [var.sfn_acquire_lease_state_name]
}

run "rejects_check_name_long" {
  command = plan

  variables {
    sfn_check_lease_state_name = "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC"
  }

  expect_failures = [var.sfn_check_lease_state_name]
}

run "rejects_wait_name_empty" {
  command = plan

  variables {
    sfn_wait_state_name = ""
  }

  expect_failures = [var.sfn_wait_state_name]
}

run "rejects_release_name_empty" {
  command = plan

  variables {
    sfn_release_lease_state_name = ""
  }

  expect_failures = [var.sfn_release_lease_state_name]
}

run "rejects_post_acquire_empty" {
  command = plan

  variables {
    sfn_post_acquire_lease_state = ""
  }

  expect_failures = [var.sfn_post_acquire_lease_state]
}

run "rejects_post_release_empty" {
  command = plan

  variables {
    sfn_post_release_lease_state = ""
  }

  expect_failures = [var.sfn_post_release_lease_state]
}

run "rejects_wait_seconds_zero" {
  command = plan

  variables {
    sfn_wait_seconds = 0
  }

  expect_failures = [var.sfn_wait_seconds]
}

run "rejects_state_names_distinct" {
  command = plan

  variables {
    sfn_wait_state_name = "AcquireLease"
  }

  expect_failures = [output.acquire_lease_state]
}

run "rejects_post_acquire_not_a_lease_state" {
  command = plan

  variables {
    sfn_post_acquire_lease_state = "ReleaseLease"
  }

  expect_failures = [output.acquire_lease_state]
}

run "rejects_post_release_not_a_lease_state" {
  command = plan

  variables {
    sfn_post_release_lease_state = "AcquireLease"
  }

  expect_failures = [output.acquire_lease_state]
}

run "rejects_unknown_query_language" {
  command = plan

  variables {
    sfn_query_language = "jsonata"
  }

  expect_failures = [var.sfn_query_language]
}

run "rejects_jsonata_expression_with_delimiters" {
  command = plan

  variables {
    sfn_resource_id_jsonata = "{% $states.input.id %}"
  }

  expect_failures = [var.sfn_resource_id_jsonata]
}

run "rejects_blank_jsonata_expression" {
  command = plan

  variables {
    sfn_resource_id_jsonata = "  "
  }

  expect_failures = [var.sfn_resource_id_jsonata]
}

run "rejects_reserved_lease_variable_name" {
  command = plan

  variables {
    sfn_lease_variable_name = "states"
  }

  expect_failures = [var.sfn_lease_variable_name]
}

run "rejects_lease_variable_name_starting_with_a_digit" {
  command = plan

  variables {
    sfn_lease_variable_name = "1lease"
  }

  expect_failures = [var.sfn_lease_variable_name]
}

run "rejects_renew_state_name_too_long" {
  command = plan

  variables {
    sfn_renew_lease_state_name = "RenewLease-${join("", [for i in range(80) : "x"])}"
  }

  expect_failures = [var.sfn_renew_lease_state_name]
}

run "rejects_empty_post_renew_state" {
  command = plan

  variables {
    sfn_post_renew_lease_state = ""
  }

  expect_failures = [var.sfn_post_renew_lease_state]
}

run "rejects_renew_result_path_outside_the_input" {
  command = plan

  variables {
    sfn_renew_lease_result_path = "renewLease"
  }

  expect_failures = [var.sfn_renew_lease_result_path]
}
