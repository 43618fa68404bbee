#!/usr/bin/env bash
# The one test command (make test): every suite, then one closing line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

# make test starts its own peers (below); values from the caller's shell would send suites elsewhere.
unset AWS_ENDPOINT_URL_DYNAMODB TF_REATTACH_PROVIDERS

passed=0
failed=0
status=0
results=$(mktemp -d)
peer_stdin=
cleanup() {
  peer_stdin=$(cat "$results/dynamodb.stdin" 2>/dev/null)
  [ -n "$peer_stdin" ] && kill "$peer_stdin" 2>/dev/null
  bash scripts/terraform-provider.sh stop "$results/provider"
  rm -rf "$results"
}
trap cleanup EXIT
# Configurations the ASL suite rendered in this run, which the end-to-end suite reuses.
export RENDERED_INDEX=$results/rendered.tsv

count() { # suite-name passed failed seconds
  echo "== $1: $2 passed, $3 failed (${4}s)"
  passed=$((passed + $2))
  failed=$((failed + $3))
}

# Suites named *.parallel.sh share nothing with the others (their own scratch checkout, emulator,
# provider processes and builds) and mostly wait on builds and emulators: they start first and run
# beside the rest. The suites after them run in name order: the CPU-bound, timing-free ones first,
# so that the .NET and end-to-end suites, which measure time, meet fewer of the apply suite's builds.
declare -A background=()
for suite in scripts/test.d/*.parallel.sh; do
  [ -e "$suite" ] || continue
  name=$(basename "$suite" .parallel.sh)
  ( started=$SECONDS; bash "$suite" >"$results/$name.out" 2>&1; echo "$? $((SECONDS - started))" >"$results/$name.rc" ) &
  background[$name]=$!
done

# One aws provider process for every `terraform test` below (mocked providers only): Terraform
# otherwise starts the 700 MB provider for each of some 300 run blocks. The provider serves in its
# debug mode and Terraform attaches to it (scripts/terraform-provider.sh). It starts while the
# DynamoDB Local launcher builds.
bash scripts/terraform-provider.sh start "$results/provider" >"$results/reattach" 2>"$results/provider.err" &
provider_start=$!

# One DynamoDB Local for the suites below (started once instead of once per test stack: each JVM
# start costs seconds of CPU); every test makes tables of its own. The launcher stops with its
# stdin, a pipe that only `sleep` holds: nothing else this script starts can keep it open. It builds
# and starts while the first suites run; a suite that names DynamoDB waits for it (and one that
# runs without it starts its own).
(
  if dotnet build tests/LocalLambda --configuration Release --nologo -v quiet >"$results/peer-build.log" 2>&1; then
    sleep 86400 2>/dev/null > >(exec dotnet tests/LocalLambda/bin/Release/net8.0/LocalLambda.dll --dynamodb >"$results/dynamodb.out" 2>&1) &
    echo $! >"$results/dynamodb.stdin"
    for _ in $(seq 1 120); do grep -q '^dynamodb ' "$results/dynamodb.out" && break; sleep 0.5; done
  fi
) &
peers_start=$!
peers_ready() {
  [ -n "$peers_start" ] || return 0
  wait "$peers_start"; peers_start=
  local endpoint
  endpoint=$(sed -n 's/^dynamodb //p' "$results/dynamodb.out" 2>/dev/null)
  # The AWS SDKs' own variable: tests/LocalPeers/DynamoDbPeer.cs and tests/harness/dynamodb-local.mjs use it.
  if [ -n "$endpoint" ]; then export AWS_ENDPOINT_URL_DYNAMODB=$endpoint; else echo "note: no shared DynamoDB Local; each suite starts its own"; fi
}

if wait "$provider_start" && [ -s "$results/reattach" ]; then
  export TF_REATTACH_PROVIDERS=$(cat "$results/reattach")
else
  echo "note: no shared aws provider; each terraform run starts its own"; sed 's/^/   | /' "$results/provider.err"
fi

# Reads a finished suite's output: its own "N passed, N failed" line (the last such), or a failure.
report() { # name rc seconds
  local name=$1 rc=$2 out="$results/$1.out" line p f
  [ "$rc" != 0 ] && status=1
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
  if [ -n "$line" ]; then
    p=${line%% passed*}; f=${line#*, }; f=${f%% failed*}
  else
    p=0; f=1
  fi
  if [ "$rc" != 0 ] || [ "$f" != 0 ]; then
    sed 's/^/   | /' "$out" | tail -n 60
    [ "$f" = 0 ] && f=1
    status=1
  fi
  count "$name" "$p" "$f" "$3"
  grep -E '^coverage:' "$out" || true
}

for suite in scripts/test.d/*.sh; do
  [ -e "$suite" ] || continue
  case "$suite" in *.parallel.sh) continue ;; esac
  name=$(basename "$suite" .sh)
  grep -qi dynamodb "$suite" && peers_ready
  suite_start=$SECONDS
  if bash "$suite" >"$results/$name.out" 2>&1; then rc=0; else rc=$?; fi
  report "$name" "$rc" $((SECONDS - suite_start))
done

peers_ready
for name in "${!background[@]}"; do
  wait "${background[$name]}"
  read -r rc seconds <"$results/$name.rc" || { rc=1; seconds=0; }
  report "$name" "$rc" "$seconds"
done

echo "== all suites: ${SECONDS}s"
echo "$passed passed, $failed failed"
exit $status
