#!/usr/bin/env bash
# Builds the worker CLI (Release) and runs it with the given arguments; with none, it checks
# that TorchSharp works here and verifies our Disco103 rule against both golden files.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build Platform.Workers -c Release -v quiet -nologo >/dev/null
cli() { dotnet Platform.Workers/bin/Release/net10.0/Platform.Workers.dll "$@"; }
if [ $# -gt 0 ]; then cli "$@"; exit $?; fi
cli torch-info
for f in ../shared/golden/*.npz; do
  cli verify-golden "$f" | tail -1
done
cli --help
