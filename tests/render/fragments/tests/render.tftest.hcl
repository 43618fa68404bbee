mock_provider "aws" {
  source = "../../terraform/mocks"
}

run "ends_after_release" {}

run "continues_after_release" {
  variables {
    end_state_after_release_lease = false
  }
}

run "renamed_states" {
  variables {
    state_names = { acquire = "Take", check = "Got", wait = "Hold", release = "Give" }
  }
}
