#!/usr/bin/env bash
# A real `terraform apply` of examples/shared-table, examples/complete, examples/glue-pipeline and
# the README quick start against moto in server mode (tests/apply/moto_server.py, on a free loopback
# port): init, apply, a second plan that must show no changes (-detailed-exitcode 0), destroy. Each
# runs in a scratch copy of this checkout WITHOUT artifacts/, with an override file pointing the
# provider at moto, and with an aws provider process of its own for all its commands
# (scripts/terraform-provider.sh, started in its folder): the same binary Terraform would start
# several times per command, configured by each command as it would be, at half the CPU.
#   - shared-table first: apply builds the package as a user's first apply does, both module
#     instances at once (two builds of one zip must not race), and one instance reads the table
#     the other creates in the same apply (the data source deferred by its precondition).
#   - then two lanes at once (they mostly wait on moto and the provider's waiters), each with its
#     own copy, moto and provider processes:
#     A. complete reuses that zip, then plays a fresh checkout with state: artifacts/ deleted and
#        name_prefix changed (every function replaced); apply must rebuild the zip and succeed.
#     B. in a second copy given the zip shared-table built: glue-pipeline (the lease in front of a
#        Glue job: S3 script, Glue job, SNS, the batches table), then the README quick start
#        (tools/quickstart.mjs).
# KEEP_APPLY_SCRATCH=1 keeps the scratch copies and moto's logs. APPLY_ONLY="complete quickstart"
# runs only those of shared-table, complete, glue-pipeline and quickstart (a configuration run
# alone builds its zip).
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd -P)
# The zip's name, from the one manifest package.sh and Terraform read.
aot_zip=$(sed -n 's/^ *"aot": *"\([^"]*\)".*/\1/p' src/LeaseManager.Lambda/lambda-package.json)
source scripts/terraform-env.sh
# moto is plain HTTP on loopback; a CA bundle would only stop a provider process from being
# configured a second time (scripts/terraform-provider.sh).
unset AWS_CA_BUNDLE TF_REATTACH_PROVIDERS
passed=0 failed=0
# What a lane owns: its scratch log, provider folder, moto and plugin cache (set by use_lane).
lane=a
step() { # name command... (run in the current directory; output kept in the lane's log)
  local name=$1 started=$SECONDS rc
  shift
  "$@" >"$tmp/$lane.log" 2>&1
  rc=$?
  if [ "$rc" = 0 ]; then
    passed=$((passed + 1)); echo "ok   $name ($((SECONDS - started))s)"
  else
    failed=$((failed + 1)); echo "FAIL $name (exit $rc, $((SECONDS - started))s)"; tail -n 40 "$tmp/$lane.log" | sed 's/^/     | /'
  fi
  return "$rc"
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/apply-test.XXXXXX")
cleanup() {
  local pid
  for pid in "$tmp"/moto-*.pid; do [ -s "$pid" ] && kill "$(cat "$pid")" 2>/dev/null; done
  for dir in "$tmp"/provider-*; do [ -d "$dir" ] && bash scripts/terraform-provider.sh stop "$dir"; done
  if [ "${KEEP_APPLY_SCRATCH:-0}" = 1 ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

python=${PYTHON:-python3}
if ! "$python" -c 'import moto.server, werkzeug' 2>/dev/null; then
  echo "FAIL moto[server] is not importable by $python: run make setup"
  echo "0 passed, 1 failed"; exit 1
fi
start_moto() { # lane: a moto of the lane's own on a free port (the launcher binds port 0 and prints it)
  local log=$tmp/moto-$1.log port=
  "$python" tests/apply/moto_server.py >"$log" 2>&1 &
  echo $! >"$tmp/moto-$1.pid"
  for _ in $(seq 1 120); do
    port=$(sed -n 's/^port \([0-9]*\)$/\1/p' "$log")
    [ -n "$port" ] && break
    kill -0 "$(cat "$tmp/moto-$1.pid")" 2>/dev/null || break
    sleep 0.5
  done
  [ -n "$port" ] || { tail -n 20 "$log" >&2; return 1; }
  echo "http://127.0.0.1:$port"
}
use_lane() { # lane: the moto endpoint, provider folder and plugin cache its commands use
  lane=$1
  endpoint=$(cat "$tmp/endpoint-$lane")
  # One provider copy per lane instead of one per init (Terraform's cache is not safe to share
  # between inits running at once).
  export TF_PLUGIN_CACHE_DIR=$tmp/plugin-cache-$lane
  mkdir -p "$TF_PLUGIN_CACHE_DIR"
}
for l in a b; do
  if ! start_moto "$l" >"$tmp/endpoint-$l"; then
    echo "FAIL moto did not start"; echo "0 passed, 1 failed"; exit 1
  fi
  echo "moto for lane $l on $(cat "$tmp/endpoint-$l")"
done
use_lane a

clone() { # dest: this checkout as a user would have it (tracked and new files; no build output)
  mkdir -p "$1"
  git ls-files --cached --others --exclude-standard | tar -cf - -T - | tar -xf - -C "$1"
  rm -rf "$1/artifacts" "$1/obj" "$1/build"
}

tf() { terraform "$@" -input=false -no-color; }

# init, apply, no-change plan, destroy; extra arguments go to apply, plan and destroy.
lifecycle() { # label dir args...
  local label=$1 dir=$2
  shift 2
  sed "s|@ENDPOINT@|$endpoint|" "$root/tests/apply/emulator_override.tf.tmpl" >"$dir/emulator_override.tf"
  cd "$dir" || return 1
  if step "$label: terraform init" tf init && step "$label: its aws provider started" start_provider &&
    step "$label: terraform apply" tf apply -auto-approve "$@"; then
    step "$label: second plan shows no changes" tf plan -detailed-exitcode "$@"
    [ -n "${AFTER_APPLY:-}" ] && "$AFTER_APPLY" "$label" "$@"
    step "$label: terraform destroy" tf destroy -auto-approve "$@"
  fi
  bash "$root/scripts/terraform-provider.sh" stop "$tmp/provider-$lane"
  unset TF_REATTACH_PROVIDERS
  cd "$root"
}

start_provider() { # this configuration's provider process, for every command that follows
  TF_REATTACH_PROVIDERS=$(bash "$root/scripts/terraform-provider.sh" start "$tmp/provider-$lane" "$PWD") || return 1
  export TF_REATTACH_PROVIDERS
}

# The zip the function needs is rebuilt when it is missing and the function is replaced.
replace_without_artifacts() { # label args...
  local label=$1
  shift
  rm -rf ../../artifacts
  step "$label: artifacts/ deleted, name_prefix changed: apply rebuilds and replaces" tf apply -auto-approve "$@" -var name_prefix=renamed-example &&
    step "$label: the rebuilt zip is there" test -s "../../artifacts/$aot_zip"
  step "$label: plan after the rename shows no changes" tf plan -detailed-exitcode "$@" -var name_prefix=renamed-example
}

wanted() { [ -z "${APPLY_ONLY:-}" ] || [[ " $APPLY_ONLY " == *" $1 "* ]]; }

started=$SECONDS
checkout=$tmp/checkout
clone "$checkout"
# 1. examples/shared-table on the checkout without artifacts: two instances build at once.
wanted shared-table && lifecycle "shared-table (no artifacts/: builds on apply)" "$checkout/examples/shared-table"
# The zip that apply built from the clean checkout is byte for byte the one `make package` built in
# this checkout (make test builds that first): the AOT build is reproducible across folders.
if wanted shared-table && [ -s "artifacts/$aot_zip" ]; then
  step "the AOT zip apply built is byte-identical to artifacts/$aot_zip" cmp "artifacts/$aot_zip" "$checkout/artifacts/$aot_zip"
fi

# 2. Lane B in the background, in a copy of its own given shared-table's zip (and its sources
# stamp, so package.sh reuses it): examples/glue-pipeline, then the README quick start
# (tools/quickstart.mjs extracts it into build/quickstart). Its output and counts come after lane A's.
if wanted glue-pipeline || wanted quickstart; then
  (
    use_lane b
    passed=0 failed=0
    clone "$tmp/checkout-b"
    [ -d "$checkout/artifacts" ] && cp -a "$checkout/artifacts" "$tmp/checkout-b/"
    wanted glue-pipeline && lifecycle "glue-pipeline" "$tmp/checkout-b/examples/glue-pipeline"
    if wanted quickstart && step "quick start extracted" node tools/quickstart.mjs "$tmp/checkout-b"; then
      lifecycle "quick start" "$tmp/checkout-b/build/quickstart"
    fi
    echo "$passed $failed" >"$tmp/lane-b.counts"
  ) >"$tmp/lane-b.out" 2>&1 &
  lane_b=$!
fi

# 3. Lane A: examples/complete, then the fresh-checkout replacement.
wanted complete && AFTER_APPLY=replace_without_artifacts lifecycle "complete" "$checkout/examples/complete"

if [ -n "${lane_b:-}" ]; then
  wait "$lane_b"
  cat "$tmp/lane-b.out"
  read -r p f <"$tmp/lane-b.counts" 2>/dev/null || { p=0; f=1; echo "FAIL lane B (glue-pipeline, quick start) ended without its counts"; }
  passed=$((passed + p)); failed=$((failed + f))
fi
echo "apply test: $((SECONDS - started))s"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
