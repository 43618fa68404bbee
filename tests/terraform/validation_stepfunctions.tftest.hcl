# Validation of the Step Functions fragment inputs (paths, state names, JSONata): each bad value
# is rejected at plan.

mock_provider "aws" {
  source = "./tests/terraform/mocks"
}

# Each of the first two runs rejects one bad value of many fragment inputs in one plan: their
# validations read their own input only.

run "rejects_bad_paths_names_and_a_blank_expression" {
  command = plan

  variables {
    sfn_resource_id_jsonpath      = "resource_id"  # path without $
    sfn_lease_id_jsonpath         = "lease_id"     # path without $
    sfn_lease_result_path         = "acquireLease" # result path without $.
    sfn_release_lease_result_path = "releaseLease" # result path without $.
    sfn_renew_lease_result_path   = "renewLease"   # result path outside the input

    sfn_acquire_lease_state_name = "" # empty
    sfn_wait_state_name          = "" # empty
    sfn_release_lease_state_name = "" # empty
    sfn_post_acquire_lease_state = "" # empty
    sfn_post_release_lease_state = "" # empty
    sfn_post_renew_lease_state   = "" # empty
    # 81 characters: too long
    sfn_check_lease_state_name = "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC"
    # too long
    sfn_renew_lease_state_name = "RenewLease-${join("", [for i in range(80) : "x"])}"

    sfn_wait_seconds        = 0        # zero
    sfn_resource_id_jsonata = "  "     # blank expression
    sfn_lease_variable_name = "1lease" # starts with a digit
  }

  expect_failures = [
    var.sfn_resource_id_jsonpath,
    var.sfn_lease_id_jsonpath,
    var.sfn_lease_result_path,
    var.sfn_release_lease_result_path,
    var.sfn_renew_lease_result_path,
    var.sfn_acquire_lease_state_name,
    var.sfn_wait_state_name,
    var.sfn_release_lease_state_name,
    var.sfn_post_acquire_lease_state,
    var.sfn_post_release_lease_state,
    var.sfn_post_renew_lease_state,
    var.sfn_check_lease_state_name,
    var.sfn_renew_lease_state_name,
    var.sfn_wait_seconds,
    var.sfn_resource_id_jsonata,
    var.sfn_lease_variable_name,
  ]
}

run "rejects_bad_jsonata_settings_and_a_root_result_path" {
  command = plan

  variables {
    sfn_query_language      = "jsonata"                # unknown language (case matters)
    sfn_resource_id_jsonata = "{% $states.input.id %}" # expression with delimiters
    sfn_lease_variable_name = "states"                 # reserved name
    sfn_lease_result_path   = "$"                      # the root
  }

  expect_failures = [var.sfn_query_language, var.sfn_resource_id_jsonata, var.sfn_lease_variable_name, var.sfn_lease_result_path]
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
