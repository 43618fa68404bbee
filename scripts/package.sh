#!/usr/bin/env bash
# Builds the Lambda packages (make package):
#   artifacts/lease-manager-provided.al2023-x86_64.zip  Native AOT `bootstrap` (default)
#   artifacts/lease-manager-dotnet8.zip                 framework-dependent, for the managed dotnet8 runtime
# Zips are deterministic (fixed timestamps, order, modes) so Terraform sees no change when nothing changed.
# Usage: scripts/package.sh [aot|managed|all] [output-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
which=${1:-all}
out=$(realpath -m "${2:-artifacts}")
project=src/LeaseManager.Lambda/LeaseManager.Lambda.csproj
mkdir -p "$out"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# A fixed timestamp in the DOS range zip can store; UTC so the local zone cannot change the bytes.
fixed_time=198001010000.00

deterministic_zip() { # zip-file staging-dir
  local zip_file=$1 dir=$2
  rm -f "$zip_file"
  find "$dir" -exec touch -h -t "$fixed_time" {} +
  (cd "$dir" && find . -type f | LC_ALL=C sort | sed 's|^\./||' | TZ=UTC zip -q -X -D -9 "$zip_file" -@)
}

build_aot() {
  local publish=obj/package/aot stage=obj/package/aot-stage
  rm -rf "$publish" "$stage"
  if ! dotnet publish "$project" -c Release -r linux-x64 --self-contained -p:PublishAot=true -p:StripSymbols=true \
      -p:ContinuousIntegrationBuild=true -o "$publish" --nologo -v quiet; then
    echo "package: Native AOT needs clang/gcc and zlib headers for linux-x64; use 'make package-managed' otherwise" >&2
    return 1
  fi
  mkdir -p "$stage"
  cp "$publish/LeaseManager.Lambda" "$stage/bootstrap"
  chmod 0755 "$stage/bootstrap"
  local newest
  newest=$(objdump -T "$stage/bootstrap" | grep -o 'GLIBC_[0-9.]*' | sort -Vu | tail -n 1)
  echo "package: bootstrap needs ${newest:-no versioned glibc}"
  deterministic_zip "$out/lease-manager-provided.al2023-x86_64.zip" "$stage"
  echo "package: $out/lease-manager-provided.al2023-x86_64.zip ($(stat -c %s "$out/lease-manager-provided.al2023-x86_64.zip") bytes)"
}

build_managed() {
  local publish=obj/package/managed
  rm -rf "$publish"
  dotnet publish "$project" -c Release -p:PublishAot=false --no-self-contained -p:UseAppHost=false \
    -p:ContinuousIntegrationBuild=true -o "$publish" --nologo -v quiet
  rm -f "$publish"/*.pdb
  find "$publish" -type f -exec chmod 0644 {} +
  deterministic_zip "$out/lease-manager-dotnet8.zip" "$publish"
  echo "package: $out/lease-manager-dotnet8.zip ($(stat -c %s "$out/lease-manager-dotnet8.zip") bytes)"
}

case "$which" in
  aot) build_aot ;;
  managed) build_managed ;;
  all) build_aot; build_managed ;;
  *) echo "usage: $0 [aot|managed|all] [output-dir]" >&2; exit 2 ;;
esac
