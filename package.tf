locals {
  lambda_architectures = ["x86_64"]
  package_kind         = var.lambda_runtime == "provided.al2023" ? "aot" : "managed"
  # Zip and handler names are defined once, in the manifest scripts/package.sh and the tests read too.
  package_manifest = jsondecode(file("${path.module}/src/LeaseManager.Lambda/lambda-package.json"))
  package_file     = local.package_manifest.zips[local.package_kind]
  package_handler  = local.package_manifest.handler[var.lambda_runtime]
  build_here       = local.create_lambda && var.lambda_package_path == null
  package_path     = var.lambda_package_path != null ? var.lambda_package_path : "${path.module}/artifacts/${local.package_file}"

  # The package is a pure function of these files (its zips are byte-for-byte reproducible), so
  # their hash stands for the zip: a plan shows no change while they are unchanged, before anything is built.
  package_sources = sort(concat(
    [for f in fileset(path.module, "src/{LeaseManager,LeaseManager.Lambda}/**") : f if !can(regex("/(bin|obj)/", f))],
    ["Directory.Build.props", "Directory.Packages.props", "scripts/package.sh"],
  ))
  package_sources_hash = sha256(join("\n", concat([local.package_kind], [for f in local.package_sources : "${f} ${filesha256("${path.module}/${f}")}"])))
}

# Builds the package from this module's sources on the machine running `terraform apply`. Set
# lambda_package_path to deploy a zip built elsewhere (CI).
#
# The zip must exist whenever the function resource reads it: on create, on replacement and on a
# code update. artifacts/ is not committed, so a fresh checkout with existing state has no zip; the
# triggers therefore hold everything that makes the function read it (its sources, its name — a
# replacement —, runtime, architectures and the zip's path), and any change rebuilds first (or
# reuses an up-to-date zip: scripts/package.sh keeps a stamp of the sources next to it). Nothing
# here asks whether the file exists (fileexists() would flip after the first apply and plan a
# change on every clean checkout).
resource "terraform_data" "package" {
  count = local.build_here ? 1 : 0

  triggers_replace = {
    sources       = local.package_sources_hash
    output        = local.package_path
    function_name = local.function_name
    runtime       = var.lambda_runtime
    architectures = join(",", local.lambda_architectures)
  }

  provisioner "local-exec" {
    command     = "bash scripts/package.sh ${local.package_kind} artifacts"
    working_dir = path.module
  }
}
