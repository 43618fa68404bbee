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

# terraform test reports its own runs; count each run. The module's test files in two halves, at once
# (each a terraform process of its own; with make test's shared provider, mocked, they configure
# nothing in it). The examples' test files run once, in 30-asl, which renders every run of them.
tf_count() { # label output-file rc
  local label=$1 out rc=$3 p f
  out=$(cat "$2")
  echo "$out" | grep -E '^\s+run ".*"\.\.\. (pass|fail|skip)' | sed "s|^ *|     $label|"
  p=$(echo "$out" | grep -cE '^\s+run ".*"\.\.\. pass')
  f=$(echo "$out" | grep -cE '^\s+run ".*"\.\.\. (fail|skip)')
  if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; echo "$out" | tail -n 30; fi
  [ "$f" != 0 ] && echo "$out" | grep -A12 -E '^Error' | head -n 60
  passed=$((passed+p)); failed=$((failed+f))
}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
labels=() n=0
tf_start() { # label terraform-args...
  local label=$1; shift
  while [ "$(jobs -rp | wc -l)" -ge "$(nproc)" ]; do wait -n; done
  n=$((n+1)); labels+=("$label")
  ( terraform "$@" -no-color >"$work/$n.out" 2>&1; echo $? >"$work/$n.rc" ) &
}
files=(tests/terraform/*.tftest.hcl)
halves=("" "")
for i in "${!files[@]}"; do halves[$((i % 2))]+=" -filter=${files[$i]}"; done
for half in "${halves[@]}"; do
  # shellcheck disable=SC2086 # the filters are words
  [ -n "$half" ] && tf_start "" test -test-directory=tests/terraform $half
done
wait
for i in $(seq 1 "$n"); do tf_count "${labels[$((i-1))]}" "$work/$i.out" "$(cat "$work/$i.rc")"; done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
