#!/usr/bin/env bash
# Source me. Makes `terraform init` work offline when a local provider mirror exists (this
# repository's CI machines have hashicorp/aws in a filesystem mirror and no registry), and leaves
# a normal online machine alone. Override the mirror with TF_PROVIDER_MIRROR.
_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
_mirror=${TF_PROVIDER_MIRROR:-}
if [ -z "$_mirror" ]; then
  for candidate in /opt/tf-plugins /usr/share/terraform/plugins "$HOME/.terraform.d/plugins"; do
    if [ -d "$candidate/registry.terraform.io/hashicorp/aws" ]; then _mirror=$candidate; break; fi
  done
fi
if [ -n "$_mirror" ]; then
  mkdir -p "$_repo/.terraform-cli"
  # Written aside and renamed into place: suites that run at once source this while others read it.
  _aside="$_repo/.terraform-cli/config.tfrc.$BASHPID"
  cat > "$_aside" <<TFRC
provider_installation {
  filesystem_mirror {
    path    = "$_mirror"
    include = ["registry.terraform.io/hashicorp/aws"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/aws"]
  }
}
TFRC
  mv -f "$_aside" "$_repo/.terraform-cli/config.tfrc"
  export TF_CLI_CONFIG_FILE="$_repo/.terraform-cli/config.tfrc"
elif [ -n "${TF_CLI_CONFIG_FILE:-}" ] && [ ! -f "$TF_CLI_CONFIG_FILE" ]; then
  # A config path that does not exist only produces warnings; use the defaults instead.
  unset TF_CLI_CONFIG_FILE
fi
export TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
unset _repo _mirror _aside
