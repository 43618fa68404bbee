#!/usr/bin/env bash
# A .NET consumer: `dotnet pack` the library, build samples/QueueWorker against the .nupkg from a
# local feed (not the project), and run it on DynamoDB Local: every message processed once, never
# more than the lease limit at work, no lease left; then 50 copies of one event at once, keyed by
# event id with a per-key limit of 1: one processed, 49 skipped, no lease left.
set -uo pipefail
cd "$(dirname "$0")/../.."
passed=0 failed=0
step() { # name command...
  local name=$1; shift
  if out=$("$@" 2>&1); then passed=$((passed+1)); echo "ok   $name"; echo "$out" | grep -E '^(messages|most|sample:)' | sed 's/^/     /'
  else failed=$((failed+1)); echo "FAIL $name"; echo "$out" | tail -n 30; fi
}

rm -rf build/feed build/sample-packages
step "dotnet pack src/LeaseManager" dotnet pack src/LeaseManager -c Release -o build/feed --nologo -v q
step "package holds the library, its XML docs, README and licence" bash -c '
  f=$(ls build/feed/LeaseManager.DynamoDB.*.nupkg | head -n1) && list=$(unzip -Z1 "$f") &&
  grep -qx "lib/net8.0/LeaseManager.dll" <<<"$list" && grep -qx "lib/net8.0/LeaseManager.xml" <<<"$list" &&
  grep -qx "README.md" <<<"$list" && unzip -p "$f" "*.nuspec" | grep -q "<license type=\"expression\">Apache-2.0</license>"'
# A packages folder of its own, so a rebuilt package of the same version is never served from a cache.
step "samples/QueueWorker builds from the package" dotnet build samples/QueueWorker -c Release --packages build/sample-packages --nologo -v q

# The DynamoDB Local make test shares (the sample's table is its own), or one started here.
peer_out=$(mktemp)
endpoint=${AWS_ENDPOINT_URL_DYNAMODB:-}
if [ -z "$endpoint" ]; then
  step "build the local peers (tests/LocalLambda)" dotnet build tests/LocalLambda -c Release --nologo -v q
  exec 3> >(dotnet tests/LocalLambda/bin/Release/net8.0/LocalLambda.dll --dynamodb >"$peer_out" 2>&1)
  for _ in $(seq 1 120); do grep -q '^dynamodb ' "$peer_out" && break; sleep 0.5; done
  endpoint=$(sed -n 's/^dynamodb //p' "$peer_out")
fi
if [ -z "$endpoint" ]; then
  failed=$((failed+1)); echo "FAIL DynamoDB Local did not start"; cat "$peer_out"
else
  step "samples/QueueWorker on DynamoDB Local ($endpoint)" env AWS_ENDPOINT_URL_DYNAMODB="$endpoint" AWS_ACCESS_KEY_ID=local \
    AWS_SECRET_ACCESS_KEY=local AWS_REGION=us-east-1 dotnet samples/QueueWorker/bin/Release/net8.0/QueueWorker.dll --create-table --table sample-leases
  # The figures themselves, read from the sample's summary lines (not only from its exit code).
  sample_out=$out
  expect() { # scenario figure=wanted...
    local scenario=$1 pair got bad=0; shift
    for pair in "$@"; do
      got=$(sed -n "s/^sample: $scenario .*\b${pair%%=*}=\([^ ]*\).*/\1/p" <<<"$sample_out")
      [ "$got" = "${pair#*=}" ] || { echo "$scenario: ${pair%%=*} is '${got:-missing}', expected ${pair#*=}"; bad=1; }
    done
    return $bad
  }
  step "throttle: 60 messages, each processed once, no lease left" expect throttle processed=60 once=True leases_left=0
  step "duplicates: 1 of 50 copies processed, 49 skipped while it held the key, no lease left" \
    expect duplicates processed=1 skipped=49 handed_back=0 overlapped=yes leases_left=0
fi
{ exec 3>&-; } 2>/dev/null
rm -f "$peer_out"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
