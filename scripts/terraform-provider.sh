#!/usr/bin/env bash
# One hashicorp/aws provider process that many terraform commands share.
#
#   scripts/terraform-provider.sh start DIR [CONFIG]   prints the TF_REATTACH_PROVIDERS value to export
#   scripts/terraform-provider.sh stop DIR             stops it
#
# CONFIG (default: this repository's root) is the configuration whose installed provider runs, in
# that folder: relative paths Terraform hands the provider (a zip's filename, an object's source)
# are read from the provider's working folder, as from the one Terraform would start it in.
#
# Terraform starts a provider process for every run block of `terraform test`, mocked or not; the
# aws provider takes about half a second of CPU to start. A provider started with -debug serves until
# it is stopped and prints a reattach configuration; Terraform given it in TF_REATTACH_PROVIDERS
# uses that process instead of starting one (the provider SDKs' debugger support). One process
# serves commands one after another, each with the provider configuration it is given; so only one
# configuration at a time (or mocked providers, which configure nothing), and without AWS_CA_BUNDLE
# when it is configured more than once: the provider adds the bundle to its HTTP client on each
# configure and refuses the second time ("unable to add custom RootCAs HTTPClient").
set -euo pipefail
cd "$(dirname "$0")/.."
action=${1:?start or stop}
dir=$(mkdir -p "${2:?a working folder}" && cd "$2" && pwd -P)
config=${3:-.}

case "$action" in
  start)
    source scripts/terraform-env.sh
    cd "$config"
    # The provider this configuration installs (from the mirror, or the registry when online).
    [ -d .terraform/providers/registry.terraform.io/hashicorp/aws ] ||
      terraform init -backend=false -input=false -no-color >"$dir/init.log" 2>&1
    bin=$(find -L .terraform/providers/registry.terraform.io/hashicorp/aws -type f -name 'terraform-provider-aws*' | sort | tail -n 1)
    [ -x "$bin" ] || { echo "no aws provider under .terraform/providers" >&2; exit 1; }
    "$bin" -debug >"$dir/provider.log" 2>&1 &
    echo $! >"$dir/pid"
    for _ in $(seq 1 120); do
      reattach=$(sed -n "s/^[[:space:]]*TF_REATTACH_PROVIDERS='\(.*\)'$/\1/p" "$dir/provider.log")
      [ -n "$reattach" ] && { echo "$reattach"; exit 0; }
      kill -0 "$(cat "$dir/pid")" 2>/dev/null || break
      sleep 0.25
    done
    echo "the aws provider did not start in debug mode:" >&2
    tail -n 20 "$dir/provider.log" >&2
    kill "$(cat "$dir/pid")" 2>/dev/null || true
    exit 1
    ;;
  stop)
    [ -f "$dir/pid" ] && kill "$(cat "$dir/pid")" 2>/dev/null || true
    ;;
  *) echo "usage: $0 start DIR [CONFIG] | stop DIR" >&2; exit 2 ;;
esac
