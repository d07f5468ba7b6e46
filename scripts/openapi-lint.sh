#!/usr/bin/env bash
# Lints an OpenAPI document with Redocly CLI and the committed rules (redocly.yaml at the repository root):
#
#   scripts/openapi-lint.sh FILE [redocly lint options, e.g. --format=json]
#
# Platform.Tests/Api/OpenApiContractTests lints the live API's /openapi/v1.json with it and expects no error and no
# warning. Redocly is installed with npm once, into .local/tools/ (gitignored), and reused by later runs. It needs
# Node.js >= 18.17 and npm (Debian 12: apt-get install nodejs npm; scripts/test.sh does so when npm is missing).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# 1.x: its engines accept Debian 12's Node 18; 2.x needs Node 20.19 or later.
VERSION=1.34.20
TOOL="$ROOT/.local/tools/redocly-$VERSION"
BIN="$TOOL/node_modules/.bin/redocly"
# No telemetry and no update check: CI reaches the npm registry for the install, nothing else.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_UPDATE_NOTIFIER=1

[ $# -ge 1 ] || { echo "usage: scripts/openapi-lint.sh FILE [redocly lint options]" >&2; exit 2; }

if [ ! -x "$BIN" ]; then
  command -v npm >/dev/null || { echo "openapi-lint.sh: npm not found (Debian: apt-get install nodejs npm)" >&2; exit 2; }
  echo "openapi-lint.sh: installing @redocly/cli@$VERSION into $TOOL" >&2
  # Installed beside the final folder and moved into place, so a run that is interrupted, or one beside it, never
  # sees half an install.
  mkdir -p "$ROOT/.local/tools"
  staging="$(mktemp -d "$ROOT/.local/tools/.redocly-XXXXXX")"
  trap 'rm -rf "$staging"' EXIT
  npm install --prefix "$staging" --no-audit --no-fund --no-save --loglevel=error "@redocly/cli@$VERSION" >&2
  mv -T "$staging" "$TOOL" 2>/dev/null || [ -x "$BIN" ]   # another run may have finished first: its install serves
  rm -rf "$staging"
  trap - EXIT
fi

exec "$BIN" lint "$@" --config "$ROOT/redocly.yaml"
