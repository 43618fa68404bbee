#!/usr/bin/env bash
# A real `terraform apply` of examples/shared-table, examples/complete, examples/glue-pipeline and
# the README quick start against moto in server mode (tests/apply/moto_server.py, on a free loopback
# port): init, apply, a second plan that must show no changes (-detailed-exitcode 0), destroy. They
# run one after the other in one scratch copy of this checkout WITHOUT artifacts/, each with an
# override file pointing the provider at moto, and with an aws provider process of its own for all
# its commands (scripts/terraform-provider.sh, started in its folder): the same binary Terraform
# would start several times per command, configured by each command as it would be, at half the CPU:
#   - shared-table first: apply builds the package as a user's first apply does, both module
#     instances at once (two builds of one zip must not race), and one instance reads the table
#     the other creates in the same apply (the data source deferred by its precondition).
#   - complete reuses that zip, then plays a fresh checkout with state: artifacts/ deleted and
#     name_prefix changed (every function replaced); apply must rebuild the zip and succeed.
#   - glue-pipeline reuses the zip: the lease in front of a Glue job (S3 script, Glue job, SNS,
#     the batches table).
#   - the README quick start (tools/quickstart.mjs) reuses the zip.
# KEEP_APPLY_SCRATCH=1 keeps the scratch copies and moto's log. APPLY_ONLY="complete quickstart"
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
step() { # name command... (run in the current directory; output kept in $tmp/log)
  local name=$1 started=$SECONDS rc
  shift
  "$@" >"$tmp/log" 2>&1
  rc=$?
  if [ "$rc" = 0 ]; then
    passed=$((passed + 1)); echo "ok   $name ($((SECONDS - started))s)"
  else
    failed=$((failed + 1)); echo "FAIL $name (exit $rc, $((SECONDS - started))s)"; tail -n 40 "$tmp/log" | sed 's/^/     | /'
  fi
  return "$rc"
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/apply-test.XXXXXX")
moto_pid=
cleanup() {
  [ -n "$moto_pid" ] && kill "$moto_pid" 2>/dev/null
  bash scripts/terraform-provider.sh stop "$tmp/provider"
  if [ "${KEEP_APPLY_SCRATCH:-0}" = 1 ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

# moto, started here on a free port (the launcher binds port 0 and prints the one it got).
python=${PYTHON:-python3}
if ! "$python" -c 'import moto.server, werkzeug' 2>/dev/null; then
  echo "FAIL moto[server] is not importable by $python: run make setup"
  echo "0 passed, 1 failed"; exit 1
fi
"$python" tests/apply/moto_server.py >"$tmp/moto.log" 2>&1 &
moto_pid=$!
port=
for _ in $(seq 1 120); do
  port=$(sed -n 's/^port \([0-9]*\)$/\1/p' "$tmp/moto.log")
  [ -n "$port" ] && break
  kill -0 "$moto_pid" 2>/dev/null || break
  sleep 0.5
done
if [ -z "$port" ]; then
  echo "FAIL moto did not start"; tail -n 20 "$tmp/moto.log"
  echo "0 passed, 1 failed"; exit 1
fi
endpoint=http://127.0.0.1:$port
echo "moto on $endpoint"
# One provider copy for every configuration instead of one per init.
export TF_PLUGIN_CACHE_DIR=$tmp/plugin-cache
mkdir -p "$TF_PLUGIN_CACHE_DIR"

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
  bash "$root/scripts/terraform-provider.sh" stop "$tmp/provider"
  unset TF_REATTACH_PROVIDERS
  cd "$root"
}

start_provider() { # this configuration's provider process, for every command that follows
  TF_REATTACH_PROVIDERS=$(bash "$root/scripts/terraform-provider.sh" start "$tmp/provider" "$PWD") || return 1
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

# 2. examples/complete, then the fresh-checkout replacement.
wanted complete && AFTER_APPLY=replace_without_artifacts lifecycle "complete" "$checkout/examples/complete"

# 3. examples/glue-pipeline.
wanted glue-pipeline && lifecycle "glue-pipeline" "$checkout/examples/glue-pipeline"

# 4. The README quick start, verbatim (tools/quickstart.mjs extracts it into build/quickstart).
if wanted quickstart && step "quick start extracted" node tools/quickstart.mjs "$checkout"; then
  lifecycle "quick start" "$checkout/build/quickstart"
fi
echo "apply test: $((SECONDS - started))s"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
