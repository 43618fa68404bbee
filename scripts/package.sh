#!/usr/bin/env bash
# Builds the Lambda packages (make package, and terraform_data.package on apply), named in
# src/LeaseManager.Lambda/lambda-package.json (read by Terraform and the tests too):
#   zips.aot      Native AOT `bootstrap` for provided.al2023 (default)
#   zips.managed  framework-dependent, for the managed dotnet8 runtime
# Zips are deterministic (fixed timestamps, order, modes) so Terraform sees no change when nothing changed.
# Usage: scripts/package.sh [aot|managed|all] [output-dir]
#
# Safe to run several times at once (two module instances in one apply each build the package of the
# same module folder): builds of one kind take turns on a lock in obj/package/, each kind builds in
# its own intermediate folders (never a project's own obj/), the zip appears by an atomic rename, and
# a zip already built from the same sources is reused instead of rebuilt (PACKAGE_FORCE=1 rebuilds).
# Portable to macOS (bash 3.2, BSD tools): no realpath -m, stat -c, flock, mapfile or sort -V.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd -P)
which=${1:-all}
case "$which" in aot | managed | all) ;; *) echo "usage: $0 [aot|managed|all] [output-dir]" >&2; exit 2 ;; esac
mkdir -p "${2:-artifacts}"
out=$(cd "${2:-artifacts}" && pwd -P)
project=src/LeaseManager.Lambda/LeaseManager.Lambda.csproj
manifest=src/LeaseManager.Lambda/lambda-package.json
# One "key": "value" per line in the manifest, so sed reads it where node or jq may be missing.
manifest_value() { # key (a sed pattern)
  sed -n "s/^ *\"$1\": *\"\([^\"]*\)\".*/\1/p" "$manifest"
}
aot_zip=$(manifest_value aot)
managed_zip=$(manifest_value managed)
aot_handler=$(manifest_value 'provided\.al2023')
[ -n "$aot_zip" ] && [ -n "$managed_zip" ] && [ -n "$aot_handler" ] || { echo "package: cannot read zip and handler names from $manifest" >&2; exit 2; }
work=$root/obj/package
mkdir -p "$work"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# A fixed timestamp in the DOS range zip can store; UTC so the local zone cannot change the bytes.
fixed_time=198001010000.00

sha256() { # file... -> hashes, whatever this system calls its SHA-256 tool
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$@"; else shasum -a 256 "$@"; fi
}

# What a package is built from (the same files package.tf hashes); the kind is part of the stamp.
sources_stamp() { # kind
  {
    echo "$1"
    find src/LeaseManager src/LeaseManager.Lambda -type f ! -path '*/bin/*' ! -path '*/obj/*' | LC_ALL=C sort | while IFS= read -r f; do sha256 "$f"; done
    sha256 Directory.Build.props Directory.Packages.props scripts/package.sh
  } | sha256 | cut -d' ' -f1
}

# mkdir is atomic everywhere (flock is not on macOS). The holder's pid lets a later build take over a
# lock left by a build that was killed; anything else waits its turn.
lock_dir=
acquire_lock() { # name
  lock_dir=$work/$1.lock
  local waited=0 holder
  until mkdir "$lock_dir" 2>/dev/null; do
    holder=$(cat "$lock_dir/pid" 2>/dev/null || true)
    if [ -n "$holder" ] && ! kill -0 "$holder" 2>/dev/null; then
      echo "package: removing the stale lock of build $holder (no longer running)" >&2
      rm -rf "$lock_dir"
      continue
    fi
    if [ "$waited" -ge 1800 ]; then
      echo "package: gave up after ${waited}s waiting for $lock_dir (held by ${holder:-unknown}); remove it if no build is running" >&2
      return 1
    fi
    [ $((waited % 30)) = 0 ] && echo "package: waiting for another $1 build (pid ${holder:-?}) to finish"
    sleep 1
    waited=$((waited + 1))
  done
  echo $$ >"$lock_dir/pid"
}
release_lock() {
  if [ -n "$lock_dir" ]; then rm -rf "$lock_dir"; fi
  lock_dir=
}
trap release_lock EXIT
trap 'release_lock; exit 130' INT TERM

deterministic_zip() { # zip-file staging-dir: written next to zip-file, then renamed into place at once
  local zip_file=$1 dir=$2 tmp
  tmp=$(dirname "$zip_file")/.$(basename "$zip_file").$$.tmp
  rm -f "$tmp"
  find "$dir" -exec touch -h -t "$fixed_time" {} +
  (cd "$dir" && find . -type f | LC_ALL=C sort | sed 's|^\./||' | TZ=UTC zip -q -X -D -9 "$tmp" -@)
  mv -f "$tmp" "$zip_file"
}

publish() { # kind log-file dotnet-publish-arguments...: on failure, say what really failed
  local kind=$1 log=$2
  shift 2
  # The zips are byte-identical wherever the sources are: PathMap keeps the checkout's folder out of
  # the binaries (a registry download has no .git for SourceLink to map it), and without source
  # control queries no commit id reaches the PDB, whose checksum the assemblies carry.
  if dotnet publish "$project" -c Release -p:ContinuousIntegrationBuild=true "-p:PathMap=$root/=/_/" \
    -p:EnableSourceControlManagerQueries=false -p:EnableSourceLink=false --artifacts-path "$work/$kind/build" \
    --nologo -v quiet "$@" >"$log" 2>&1; then
    return 0
  fi
  echo "package: 'dotnet publish' of the $kind package failed; the end of its output ($log):" >&2
  tail -n 40 "$log" | sed 's/^/  | /' >&2
  if [ "$kind" = aot ]; then
    local missing=
    command -v clang >/dev/null 2>&1 || command -v gcc >/dev/null 2>&1 || missing="a C toolchain (clang or gcc)"
    if [ -z "$missing" ] && ! printf '#include <zlib.h>\n' | "$(command -v clang || command -v gcc)" -E - >/dev/null 2>&1; then
      missing="the zlib headers (zlib1g-dev / zlib-devel)"
    fi
    [ -n "$missing" ] && echo "package: Native AOT for linux-x64 needs $missing, which this machine lacks; install it or use 'make package-managed' (lambda_runtime = \"dotnet8\")" >&2
  fi
  return 1
}

build() { # kind zip-name
  local kind=$1 zip=$2 stamp
  acquire_lock "$kind"
  stamp=$(sources_stamp "$kind")
  # The build that held the lock before may just have made this very zip: reuse it.
  if [ "${PACKAGE_FORCE:-0}" != 1 ] && [ -s "$out/$zip" ] && [ "$(cat "$out/.$zip.sources" 2>/dev/null)" = "$stamp" ]; then
    echo "package: $out/$zip is up to date with its sources ($(wc -c <"$out/$zip" | tr -d ' ') bytes)"
    release_lock
    return 0
  fi
  rm -f "$out/.$zip.sources"
  "build_$kind" "$out/$zip"
  echo "$stamp" >"$out/.$zip.sources"
  echo "package: $out/$zip ($(wc -c <"$out/$zip" | tr -d ' ') bytes)"
  release_lock
}

build_aot() { # zip-file
  local publish=$work/aot/publish stage=$work/aot/stage
  rm -rf "$publish" "$stage"
  mkdir -p "$work/aot"
  publish aot "$work/aot/publish.log" -r linux-x64 --self-contained -p:PublishAot=true -p:StripSymbols=true -o "$publish"
  mkdir -p "$stage"
  cp "$publish/LeaseManager.Lambda" "$stage/$aot_handler"
  chmod 0755 "$stage/$aot_handler"
  if command -v objdump >/dev/null 2>&1; then
    local newest
    newest=$(objdump -T "$stage/$aot_handler" 2>/dev/null | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -u -t. -k1,1n -k2,2n -k3,3n | tail -n 1 || true)
    echo "package: bootstrap needs glibc ${newest:-(no versioned symbol)}"
  fi
  deterministic_zip "$1" "$stage"
}

build_managed() { # zip-file
  local publish=$work/managed/publish
  rm -rf "$publish"
  mkdir -p "$work/managed"
  publish managed "$work/managed/publish.log" -p:PublishAot=false --no-self-contained -p:UseAppHost=false -o "$publish"
  rm -f "$publish"/*.pdb "$publish"/*.xml
  find "$publish" -type f -exec chmod 0644 {} +
  deterministic_zip "$1" "$publish"
}

case "$which" in
  aot) build aot "$aot_zip" ;;
  managed) build managed "$managed_zip" ;;
  all)
    build aot "$aot_zip"
    build managed "$managed_zip"
    ;;
esac
