# Renders the module's fragments into whole state machine definitions, the way users merge them,
# for the ASL validators (scripts/test.d/30-asl.sh) and the local interpreter (tests/e2e).

# terraform test mocks the provider configured here (tests/render.tftest.hcl); its source and version
# come from the module's required_providers.
provider "aws" {}

variable "end_state_after_release_lease" {
  type    = bool
  default = true
}

variable "state_names" {
  type = object({
    acquire = optional(string, "AcquireLease")
    check   = optional(string, "CheckLeaseStatus")
    wait    = optional(string, "WaitForLease")
    release = optional(string, "ReleaseLease")
  })
  default = {}
}

module "lease" {
  source = "../../.."

  name_prefix                   = "render"
  max_concurrent_leases         = 3
  lambda_package_path           = "../../terraform/fixtures/lease-manager-test.zip"
  sfn_post_acquire_lease_state  = "ProcessWork"
  sfn_post_release_lease_state  = "Done"
  end_state_after_release_lease = var.end_state_after_release_lease
  sfn_acquire_lease_state_name  = var.state_names.acquire
  sfn_check_lease_state_name    = var.state_names.check
  sfn_wait_state_name           = var.state_names.wait
  sfn_release_lease_state_name  = var.state_names.release
}

# acquire fragment + a work state + release fragment (+ Done when release does not end), merged as
# the README shows and, for definition_seed_style, from all four fragment outputs separately as the
# seed module required.
module "workflow" {
  source   = "../modules/workflow"
  for_each = { definition = "Module fragments merged as the README shows", definition_seed_style = null }

  lease              = module.lease
  comment            = each.value
  work               = { Type = "Pass" }
  separate_fragments = each.key == "definition_seed_style"
  extra_states       = var.end_state_after_release_lease ? {} : { Done = { Type = "Succeed" } }
}

output "definition" {
  description = "acquire fragment + a work state + release fragment (+ Done when release does not end)."
  value       = module.workflow["definition"].definition
}

output "definition_seed_style" {
  description = "The same, merging all four fragment outputs separately as the seed module required."
  value       = module.workflow["definition_seed_style"].definition
}
