#!/usr/bin/env bash
# Package checks: both zips exist, the AOT bootstrap needs glibc <= 2.34 (Amazon Linux 2023), is
# executable, the zip is under 12 MB, and a second build from the same sources is byte-identical.
set -uo pipefail
cd "$(dirname "$0")/../.."
passed=0 failed=0
check() { if eval "$2"; then passed=$((passed+1)); echo "ok   $1"; else failed=$((failed+1)); echo "FAIL $1"; fi; }

aot=artifacts/lease-manager-provided.al2023-x86_64.zip
managed=artifacts/lease-manager-dotnet8.zip
check "managed zip exists" "[ -s $managed ]"
check "AOT zip exists" "[ -s $aot ]"
check "AOT zip is under 12 MB ($(stat -c %s $aot 2>/dev/null) bytes)" "[ \$(stat -c %s $aot) -lt 12582912 ]"
check "AOT zip holds exactly an executable bootstrap" "[ \"\$(unzip -Z $aot | grep -c '^-rwxr-xr-x.* bootstrap\$')\" = 1 ] && [ \"\$(unzip -Z1 $aot)\" = bootstrap ]"
managed_files=$(unzip -Z1 $managed 2>/dev/null)
check "managed zip holds LeaseManager.Lambda.dll, the library and its runtimeconfig" "grep -qx LeaseManager.Lambda.dll <<<\"\$managed_files\" && grep -qx LeaseManager.dll <<<\"\$managed_files\" && grep -qx LeaseManager.Lambda.runtimeconfig.json <<<\"\$managed_files\""

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
unzip -q $aot -d "$tmp/aot"
newest=$(objdump -T "$tmp/aot/bootstrap" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -n 1)
check "bootstrap needs no glibc newer than 2.34 (needs $newest)" "[ \"\$(printf '%s\n2.34\n' $newest | sort -V | tail -n 1)\" = 2.34 ]"
check "bootstrap is statically free of libstdc++ / ICU" "! objdump -p $tmp/aot/bootstrap | grep -E 'NEEDED.*(libstdc\+\+|libicu)'"

rm -rf obj/package
bash scripts/package.sh all "$tmp/again" >/dev/null 2>&1
check "rebuilt AOT zip is byte-identical" "cmp -s $aot $tmp/again/$(basename $aot)"
check "rebuilt managed zip is byte-identical" "cmp -s $managed $tmp/again/$(basename $managed)"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
