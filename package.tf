locals {
  package_kind = var.lambda_runtime == "provided.al2023" ? "aot" : "managed"
  package_file = var.lambda_runtime == "provided.al2023" ? "lease-manager-provided.al2023-x86_64.zip" : "lease-manager-dotnet8.zip"
  build_here   = local.create_lambda && var.lambda_package_path == null
  package_path = var.lambda_package_path != null ? var.lambda_package_path : "${path.module}/artifacts/${local.package_file}"

  # The package is a pure function of these files (its zips are byte-for-byte reproducible), so
  # their hash stands for the zip: a plan shows no change while they are unchanged, before anything is built.
  package_sources = sort(concat(
    [for f in fileset(path.module, "src/{LeaseManager,LeaseManager.Lambda}/**") : f if !can(regex("/(bin|obj)/", f))],
    ["Directory.Build.props", "Directory.Packages.props", "scripts/package.sh"],
  ))
  package_sources_hash = sha256(join("\n", concat([local.package_kind], [for f in local.package_sources : "${f} ${filesha256("${path.module}/${f}")}"])))
}

# Builds the package from this module's sources on the machine running `terraform apply`, again
# only when the sources change. Set lambda_package_path to deploy a zip built elsewhere (CI).
resource "terraform_data" "package" {
  count = local.build_here ? 1 : 0

  triggers_replace = {
    sources = local.package_sources_hash
    output  = local.package_path
  }

  provisioner "local-exec" {
    command     = "bash scripts/package.sh ${local.package_kind} artifacts"
    working_dir = path.module
  }
}
