#!/usr/bin/env bash
# .NET (tests/LeaseManager.Tests): unit, DynamoDB Local integration, Runtime API host and packaged
# binary tests, then line and branch coverage of the shipped assemblies (coverlet collector,
# in-process code only: the packaged binary's own process is exercised by the host tests but not
# measured).
set -uo pipefail
cd "$(dirname "$0")/../.."
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

dotnet test LeaseManager.sln --configuration Release --logger "trx;LogFileName=dotnet.trx" \
  --results-directory "$results" --collect:"XPlat Code Coverage" \
  -- DataCollectionRunSettings.DataCollectors.DataCollector.Configuration.Include="[LeaseManager]*,[LeaseManager.Lambda]*" \
  DataCollectionRunSettings.DataCollectors.DataCollector.Configuration.ExcludeByAttribute=GeneratedCodeAttribute >"$results/dotnet.log" 2>&1
rc=$?
grep -E '^\s+Failed |error|Passed!|Failed!' "$results/dotnet.log"
trx=$(find "$results" -name '*.trx' | head -n 1)
if [ -z "$trx" ]; then
  tail -n 40 "$results/dotnet.log"
  echo "0 passed, 1 failed"; exit 1
fi
p=$(grep -o 'passed="[0-9]*"' "$trx" | head -n1 | grep -o '[0-9]*')
f=$(grep -o 'failed="[0-9]*"' "$trx" | head -n1 | grep -o '[0-9]*')
# A failed test's message (the console shows only its name), for diagnosing a run that cannot be repeated.
[ "${f:-0}" != 0 ] && awk '/outcome="Failed"/{on=1} on&&/<Message>/{m=1} m{print "   | " $0} /<\/Message>/{m=0; on=0}' "$trx" | head -n 60
bash scripts/coverage.sh "$results" || true
[ "$rc" != 0 ] && [ "${f:-0}" = 0 ] && f=1
echo "${p:-0} passed, ${f:-0} failed"
[ "$rc" = 0 ]
