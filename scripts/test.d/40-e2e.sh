#!/usr/bin/env bash
# End to end: definitions rendered by Terraform, run by the ASL interpreter, every lease Task
# answered by the packaged function (local Runtime API host) on DynamoDB Local.
set -uo pipefail
cd "$(dirname "$0")/../.."
source scripts/terraform-env.sh
dotnet build tests/LocalLambda --configuration Release --nologo -v quiet >/dev/null || { echo "FAIL build tests/LocalLambda"; echo "0 passed, 1 failed"; exit 1; }
# Four test files at a time (E2E_CONCURRENCY) when this make test rendered every configuration
# already: tests mostly wait on lease clocks, and each stack has its own tables and ports (two at a
# time left the CPU half idle: 94 s; four took 62 s, 84 s with both cores otherwise busy). Run alone,
# a file may render a configuration itself, into a folder another file would render into too: one at a time.
concurrency=1
[ -s "${RENDERED_INDEX:-}" ] && concurrency=${E2E_CONCURRENCY:-4}
out=$(node --test --test-concurrency=$concurrency --test-timeout=300000 tests/e2e/ 2>&1); rc=$?
echo "$out" | grep -E '^(not )?ok [0-9]+ ' 
[ "$rc" = 0 ] || echo "$out" | grep -B2 -A30 '^not ok' | head -n 120
p=$(echo "$out" | sed -n 's/^# pass \([0-9]*\)$/\1/p'); f=$(echo "$out" | sed -n 's/^# fail \([0-9]*\)$/\1/p')
[ "$rc" != 0 ] && [ "${f:-0}" = 0 ] && f=1
echo "${p:-0} passed, ${f:-1} failed"
[ "$rc" = 0 ]
