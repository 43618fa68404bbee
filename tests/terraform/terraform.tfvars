# Loaded by `terraform test` for every test file in this directory (and only these): the functions
# deploy this prebuilt stand-in zip instead of building the package. package.tftest.hcl sets it back
# to null to test the build.
lambda_package_path = "tests/terraform/fixtures/lease-manager-test.zip"
