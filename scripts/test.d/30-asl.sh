#!/usr/bin/env bash
# State machine definitions exactly as Terraform renders them (module fragments in every shape and
# wait strategy, the README quick start verbatim, the examples), checked by asl-validator and
# @wmfs/statelint. Each render runs every test file of its configuration, and each run counts here
# (the examples' own tests included: 20-terraform does not run them a second time).
# The seed module's faults, applied to a good definition, must be rejected (the check can fail).
set -uo pipefail
cd "$(dirname "$0")/../.."
source scripts/terraform-env.sh
passed=0 failed=0
rm -rf build/rendered
node tools/quickstart.mjs >/dev/null || { echo "FAIL quick start extraction"; echo "0 passed, 1 failed"; exit 1; }
# One render per configuration, as many at once as there are cores (each its own folder and output).
render_one() { # config name
  if node tools/render.mjs "$1" "build/rendered/$2" >"build/render-$2.runs" 2>"build/render-$2.err"; then
    echo "ok   render $1"
    # The end-to-end suite reuses these renders in the same make test (tests/harness/rendered.mjs).
    [ -n "${RENDERED_INDEX:-}" ] && printf '%s\t%s\n' "$(cd "$1" && pwd -P)" "$(pwd -P)/build/rendered/$2" >>"$RENDERED_INDEX"
  else
    echo "FAIL render $1"; tail -n 30 "build/render-$2.err"
  fi
  # Each run of the configuration's test files, counted here: 20-terraform leaves the examples' tests to this render.
  sed -n "s|^run pass |ok   $1: |p; s|^run \([a-z]*\) |FAIL $1: (\1) |p" "build/render-$2.runs"
}
mkdir -p build/rendered
outs=()
for config in tests/render/fragments tests/render/depth tests/render/callback tests/render/keys build/quickstart examples/*/; do
  [ -d "$config/tests" ] || continue
  name=$(basename "$config")
  while [ "$(jobs -rp | wc -l)" -ge "$(nproc)" ]; do wait -n; done
  render_one "$config" "$name" >"build/render-$name.out" 2>&1 &
  outs+=("build/render-$name.out")
done
wait
for out in "${outs[@]}"; do
  cat "$out"
  passed=$((passed + $(grep -c '^ok ' "$out"))); failed=$((failed + $(grep -c '^FAIL ' "$out")))
done
defs=$(find build/rendered -name '*definition*.json' | sort)
if [ -n "$defs" ]; then
  out=$(node tools/validate-asl.mjs $defs); echo "$out" | grep -v '^[0-9]* passed'
  line=$(echo "$out" | tail -n 1); p=${line%% passed*}; f=${line#*, }; f=${f%% failed*}
  passed=$((passed+p)); failed=$((failed+f))
fi
for bad in tests/asl/invalid/*.json; do
  if node tools/validate-asl.mjs "$bad" >/dev/null; then
    failed=$((failed+1)); echo "FAIL $bad was accepted"
  else
    passed=$((passed+1)); echo "ok   $bad is rejected"
  fi
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
