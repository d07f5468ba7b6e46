#!/usr/bin/env bash
# Runs the whole test suite on a fresh Debian 12 machine: installs what the tests need
# (as root, via apt: python3-numpy, chromium, nodejs and npm, postgresql), starts a private PostgreSQL, restores, builds
# Release and runs xunit; ends with "N passed, M failed". Extra arguments go to `dotnet test`
# (e.g. --filter FullyQualifiedName~UpdateRules).
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

need_apt=()
/usr/bin/python3 -c "import numpy" 2>/dev/null || need_apt+=(python3-numpy)
# The browser tests (Platform.Tests/EndToEnd) drive Debian's chromium through Playwright's bundled driver.
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
# The OpenAPI lint (Platform.Tests/Api/OpenApiContractTests) installs Redocly CLI with npm (scripts/openapi-lint.sh).
command -v npm >/dev/null || need_apt+=(nodejs npm)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing: ${need_apt[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "missing packages (install them as root): ${need_apt[*]}" >&2
    exit 1
  fi
fi

# A private PostgreSQL for the integration tests (installs the server package when absent).
eval "$(PLATFORM_PG_FAST=1 bash scripts/postgres.sh start)"
export PLATFORM_TEST_DB

dotnet restore Platform.sln
dotnet build Platform.sln -c Release --no-restore

# xunit runs test classes in parallel, and many of them run torch (in process, or as trainer children of real workers):
# one torch thread each keeps them from waiting on each other's OpenMP threads (a trainer whose threads outnumber the
# cores it gets runs several times slower: BENCHMARKS.md, "Threads of a worker's runs"). Workers hand it on to their
# children (Platform:TorchThreads, 0 = the inherited OMP_NUM_THREADS).
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"

results=$(mktemp -d)
set +e
dotnet test Platform.Tests/Platform.Tests.csproj -c Release --no-build \
  --logger "trx;LogFileName=results.trx" --logger "console;verbosity=normal" \
  --results-directory "$results" "$@"
status=$?
set -e
trx="$results/results.trx"
if [ -f "$trx" ]; then
  passed=$(grep -o 'passed="[0-9]*"' "$trx" | head -1 | tr -dc 0-9)
  failed=$(grep -o 'failed="[0-9]*"' "$trx" | head -1 | tr -dc 0-9)
  echo "${passed:-0} passed, ${failed:-0} failed"
fi
exit $status
