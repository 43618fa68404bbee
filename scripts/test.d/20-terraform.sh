#!/usr/bin/env bash
# Terraform, offline: fmt, init against the local provider mirror (or the registry when online),
# validate, `terraform test` with mocked providers, and the README tables against the code.
set -uo pipefail
cd "$(dirname "$0")/../.."
source scripts/terraform-env.sh
passed=0 failed=0
step() { # name command...
  local name=$1; shift
  if out=$("$@" 2>&1); then passed=$((passed+1)); echo "ok   $name"; else failed=$((failed+1)); echo "FAIL $name"; echo "$out" | tail -n 40; fi
}

step "terraform fmt -check" terraform fmt -check -recursive -diff
for dir in . examples/*/; do
  [ -f "$dir/main.tf" ] || continue
  step "terraform init ($dir)" terraform -chdir="$dir" init -backend=false -input=false -no-color
  step "terraform validate ($dir)" terraform -chdir="$dir" validate -no-color
done
step "docs/reference.md inputs/outputs tables match variables.tf/outputs.tf" node tools/tfdocs.mjs --check . docs/reference.md
for readme in examples/*/README.md; do
  [ -f "$readme" ] || continue
  step "$readme tables match" node tools/tfdocs.mjs --check --full "$(dirname "$readme")" "$readme"
done

# terraform test reports its own runs; count each run.
tf_test() { # label terraform-args...
  local label=$1 out rc p f; shift
  out=$(terraform "$@" -no-color 2>&1); rc=$?
  echo "$out" | grep -E '^\s+run ".*"\.\.\. (pass|fail|skip)' | sed "s|^ *|     $label|"
  p=$(echo "$out" | grep -cE '^\s+run ".*"\.\.\. pass')
  f=$(echo "$out" | grep -cE '^\s+run ".*"\.\.\. (fail|skip)')
  if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; echo "$out" | tail -n 30; fi
  [ "$f" != 0 ] && echo "$out" | grep -A12 -E '^Error' | head -n 60
  passed=$((passed+p)); failed=$((failed+f))
}
tf_test "" test -test-directory=tests/terraform
for dir in examples/*/; do
  [ -d "$dir/tests" ] && tf_test "$dir " -chdir="$dir" test
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
