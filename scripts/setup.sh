#!/usr/bin/env bash
# Installs what the build and tests need: Java for DynamoDB Local, the npm peers, NuGet packages,
# moto[server] (the AWS emulator of the apply test, scripts/test.d/50-apply.parallel.sh).
# Idempotent; safe on a fresh machine (Debian/Ubuntu with apt) and on a developer laptop.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v java >/dev/null 2>&1 || need_apt+=(openjdk-17-jre-headless)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs npm)
command -v zip >/dev/null 2>&1 || need_apt+=(zip)
command -v objdump >/dev/null 2>&1 || need_apt+=(binutils)
python=${PYTHON:-python3}
command -v "$python" >/dev/null 2>&1 || need_apt+=(python3 python3-pip)
if ((${#need_apt[@]})); then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "setup: installing ${need_apt[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "setup: please install: ${need_apt[*]}" >&2
    exit 1
  fi
fi

command -v dotnet >/dev/null 2>&1 || { echo "setup: the .NET SDK (8 or newer) is required: https://dot.net" >&2; exit 1; }

if [ -L node_modules ]; then
  # A worktree sharing another checkout's packages: npm ci would empty the shared folder through
  # the link (and every checkout using it) before installing here.
  echo "setup: node_modules links to $(readlink node_modules); not running npm ci through it"
elif [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-fund --no-audit --loglevel=error
fi

echo "setup: dotnet restore"
dotnet restore LeaseManager.sln --verbosity quiet

# moto: an importable one is used as it is (CI images may bake it in); otherwise pip installs it.
# tests/apply/moto_server.py fills gaps checked against moto 5.2, hence the version range.
if "$python" -c 'import moto.server, werkzeug' 2>/dev/null; then
  echo "setup: moto $("$python" -c 'import moto; print(moto.__version__)') found ($python)"
else
  echo "setup: pip install moto[server]"
  # Not fatal: everything else still builds and tests; the apply suite then fails saying why.
  "$python" -m pip install --quiet --disable-pip-version-check 'moto[server]~=5.2.1' ||
    "$python" -m pip install --quiet --disable-pip-version-check --user --break-system-packages 'moto[server]~=5.2.1' ||
    echo "setup: could not install moto[server] for $python; the apply test (scripts/test.d/50-apply.parallel.sh) will fail" >&2
fi
