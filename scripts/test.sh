#!/usr/bin/env bash
# The one gate: install the dev environment if needed, then lint (ruff), types (mypy) and the
# whole test suite (pytest). README's test command and .ci/run both call this script.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
# llama.cpp is compiled by pip (about 10 minutes on 2 cores, then cached as a wheel); these
# flags skip the parts of llama.cpp this project does not use.
export CMAKE_ARGS="${CMAKE_ARGS:--DLLAVA_BUILD=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_SERVER=OFF -DGGML_NATIVE=OFF}"
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -r requirements-dev.txt

# The browser tests drive Debian's Chromium (Playwright cannot download its own browser here).
if [ ! -x "${JARRI_CHROMIUM:-/usr/bin/chromium}" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "== installing chromium (Debian package) for the browser tests"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "error: the browser tests need Chromium at /usr/bin/chromium: run 'sudo apt-get install chromium' (or set JARRI_CHROMIUM)" >&2
    exit 1
  fi
fi

# axe-core (the accessibility rules the browser tests check every panel against), from npm,
# into the virtual environment's folder; no lock file (it would name the registry).
AXE_VERSION=4.14.1
if [ ! -f .venv/ui-node/node_modules/axe-core/axe.min.js ] \
    || ! grep -q "\"version\": \"$AXE_VERSION\"" .venv/ui-node/node_modules/axe-core/package.json; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "error: the accessibility tests need axe-core from npm: install Node.js and npm" >&2
    exit 1
  fi
  npm install --silent --no-audit --no-fund --no-save --no-package-lock \
    --prefix .venv/ui-node "axe-core@$AXE_VERSION"
fi

echo "== ruff"
.venv/bin/ruff check src tests perf scripts
echo "== mypy"
.venv/bin/mypy
echo "== pytest"
.venv/bin/python -m pytest "$@"
