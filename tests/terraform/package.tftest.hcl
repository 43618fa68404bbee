# Packaging: by default apply builds the zip from this module's sources, again only when they change.

mock_provider "aws" {
  source = "./tests/terraform/mocks"
}

# terraform.tfvars beside this file points every test at a prebuilt zip; these test the default.
variables {
  lambda_package_path = null
}

run "default_builds_the_aot_package_from_sources" {
  command = plan

  assert {
    condition     = length(terraform_data.package) == 1 && aws_lambda_function.this[0].filename == "./artifacts/lease-manager-provided.al2023-x86_64.zip"
    error_message = "the AOT zip is built into artifacts/ and deployed from there"
  }

  assert {
    condition     = terraform_data.package[0].triggers_replace.sources == local.package_sources_hash && aws_lambda_function.this[0].source_code_hash == base64encode(local.package_sources_hash)
    error_message = "rebuild and redeploy are both keyed on the sources hash, known at plan time"
  }

  assert {
    condition     = contains(local.package_sources, "src/LeaseManager/Leasing/LeasePool.cs") && contains(local.package_sources, "scripts/package.sh") && !anytrue([for f in local.package_sources : can(regex("/(bin|obj)/", f))])
    error_message = "the hash covers the sources and the build script, never build output"
  }
}

run "managed_runtime_uses_the_framework_dependent_package" {
  command = plan

  variables {
    lambda_runtime = "dotnet8"
  }

  assert {
    condition     = aws_lambda_function.this[0].runtime == "dotnet8" && aws_lambda_function.this[0].handler == "LeaseManager.Lambda" && aws_lambda_function.this[0].filename == "./artifacts/lease-manager-dotnet8.zip"
    error_message = "dotnet8 runs the framework-dependent build as an executable assembly"
  }

  assert {
    condition     = local.package_kind == "managed" && terraform_data.package[0].triggers_replace.sources == local.package_sources_hash
    error_message = "the build kind is part of the sources hash, so switching runtime rebuilds"
  }
}

run "whatever_makes_the_function_read_the_zip_rebuilds_it" {
  command = plan

  variables {
    name_prefix = "renamed"
  }

  # artifacts/ is not committed: on a fresh checkout with state, a function replacement (a new name)
  # or a runtime switch must rebuild the zip first, not only a source change.
  assert {
    condition = (
      terraform_data.package[0].triggers_replace.function_name == aws_lambda_function.this[0].function_name
      && terraform_data.package[0].triggers_replace.runtime == aws_lambda_function.this[0].runtime
      && terraform_data.package[0].triggers_replace.architectures == join(",", aws_lambda_function.this[0].architectures)
      && terraform_data.package[0].triggers_replace.output == aws_lambda_function.this[0].filename
    )
    error_message = "the package's triggers hold the function's name, runtime, architectures and zip path"
  }
}
