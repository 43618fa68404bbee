#!/usr/bin/env bash
# Package checks: both zips exist, the AOT bootstrap needs glibc <= 2.34 (Amazon Linux 2023), is
# executable, the zip is under 12 MB, and a second build from the same sources (a clean copy in another
# folder) is byte-identical.
# Two builds at once (two module instances in one apply) both succeed and leave one valid zip, and
# package.sh uses nothing GNU-only (it must run on a stock macOS: BSD tools, bash 3.2).
set -uo pipefail
cd "$(dirname "$0")/../.."
passed=0 failed=0
check() { if eval "$2"; then passed=$((passed+1)); echo "ok   $1"; else failed=$((failed+1)); echo "FAIL $1"; fi; }

# Zip names from the one manifest package.sh and Terraform read.
manifest_value() { sed -n "s/^ *\"$1\": *\"\([^\"]*\)\".*/\1/p" src/LeaseManager.Lambda/lambda-package.json; }
aot=artifacts/$(manifest_value aot)
managed=artifacts/$(manifest_value managed)
check "the manifest names both zips" "[ \"$aot\" != artifacts/ ] && [ \"$managed\" != artifacts/ ]"
check "managed zip exists" "[ -s $managed ]"
check "AOT zip exists" "[ -s $aot ]"
size=$(wc -c <$aot 2>/dev/null | tr -d ' ')
check "AOT zip is under 12 MB (${size:-?} bytes)" "[ \"\${size:-99999999}\" -lt 12582912 ]"
check "AOT zip holds exactly an executable bootstrap" "[ \"\$(unzip -Z $aot | grep -c '^-rwxr-xr-x.* bootstrap\$')\" = 1 ] && [ \"\$(unzip -Z1 $aot)\" = bootstrap ]"
managed_files=$(unzip -Z1 $managed 2>/dev/null)
check "managed zip holds LeaseManager.Lambda.dll, the library and its runtimeconfig" "grep -qx LeaseManager.Lambda.dll <<<\"\$managed_files\" && grep -qx LeaseManager.dll <<<\"\$managed_files\" && grep -qx LeaseManager.Lambda.runtimeconfig.json <<<\"\$managed_files\""

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
unzip -q $aot -d "$tmp/aot"
newest=$(objdump -T "$tmp/aot/bootstrap" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -n 1)
check "bootstrap needs no glibc newer than 2.34 (needs $newest)" "[ \"\$(printf '%s\n2.34\n' $newest | sort -V | tail -n 1)\" = 2.34 ]"
check "bootstrap is statically free of libstdc++ / ICU" "! objdump -p $tmp/aot/bootstrap | grep -E 'NEEDED.*(libstdc\+\+|libicu)'"

# GNU-only flags fail here as they would on macOS; bash-4-only constructs are refused by a scan of
# the code (comments may name what the script avoids).
shims=$tmp/shims; mkdir -p "$shims"
for tool in realpath stat sort readlink; do
  real=$(command -v $tool || true)
  [ -n "$real" ] || continue
  cat >"$shims/$tool" <<SHIM
#!/bin/sh
for a in "\$@"; do case "\$a" in -m|-c|-V|-f|--*) echo "$tool \$a is GNU-only" >&2; exit 64;; esac; done
exec $real "\$@"
SHIM
  chmod +x "$shims/$tool"
done
check "package.sh uses no bash-4-only construct (mapfile, readarray, \${x,,}, \${x^^}, declare -A) nor flock" \
  "! grep -vE '^[[:space:]]*#' scripts/package.sh | grep -nE 'mapfile|readarray|\\\$\\{[a-z_]+(,,|\\^\\^)|declare -A|flock'"

# The race of two module instances in one apply: a clean copy (no artifacts, no obj), two builds
# of one kind at once, with the GNU shims on PATH.
race=$tmp/race; mkdir -p "$race"
git ls-files --cached --others --exclude-standard | tar -cf - -T - | tar -xf - -C "$race"
rm -rf "$race/artifacts" "$race/obj"
(cd "$race" && PATH="$shims:$PATH" bash scripts/package.sh managed >"$tmp/race-1.log" 2>&1) & first=$!
(cd "$race" && PATH="$shims:$PATH" bash scripts/package.sh managed >"$tmp/race-2.log" 2>&1) & second=$!
wait $first; rc1=$?; wait $second; rc2=$?
check "two concurrent managed builds in one folder both succeed (exit $rc1 and $rc2)" "[ $rc1 = 0 ] && [ $rc2 = 0 ]"
[ "$rc1$rc2" = 00 ] || tail -n 15 "$tmp/race-1.log" "$tmp/race-2.log"
race_zip=$race/$managed
check "the zip they leave is whole and holds LeaseManager.dll" "unzip -tq $race_zip >/dev/null && unzip -Z1 $race_zip | grep -qx LeaseManager.dll"
check "the build that waited reused the first one's zip" "cat $tmp/race-1.log $tmp/race-2.log | grep -q 'is up to date with its sources'"
# Reproducible: the race's build, from a clean copy in another folder, is byte for byte the zip
# `make package` built here. (The AOT zip's twin is built by the apply suite, which builds it from a
# clean checkout on apply, and compared there: one AOT build fewer.)
check "the managed zip built in a clean copy elsewhere is byte-identical to artifacts/" "cmp -s $managed $race_zip"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
