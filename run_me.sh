#!/usr/bin/env bash
# The original Jarri entry point, kept with its flags:
#   bash ./run_me.sh --models gemma3:270m --repeats 1 --experiments smoke_v1 [--tdp-levels 60,80]
#   bash ./run_me.sh            (no arguments: rebuild from the existing ledgers)
# Any other option is passed to 'jarri run' unchanged (see: jarri run --help).
# The workspace (benchmarks/, benchmark_ui/) is the folder this script lives in.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

usage() {
  cat <<'USAGE'
Usage: bash ./run_me.sh [--models M[,M...]] [--repeats N] [--experiments ID[,ID...]]
                        [--tdp-levels T[,T...]] [other 'jarri run' options]

  --models       comma-separated model names (e.g. gemma3:270m, qwen3:8b)
  --repeats      repeats per task (default 1)
  --experiments  comma-separated experiment ids (default smoke_v1; see: jarri suites list)
  --tdp-levels   GPU power limits: percent of default (80) or watts (250w); NVIDIA only
  --ray auto     run the sweep over a Ray cluster, one worker per GPU (docs/fleet.md)
  -h, --help     this help

With no arguments, rebuilds the surfaces from the ledgers under ./benchmarks/.
With --models, runs the sweep (resuming if it ran before), then rebuilds.
USAGE
}

if [ -x "$here/.venv/bin/jarri" ]; then
  jarri=("$here/.venv/bin/jarri")
elif command -v jarri >/dev/null 2>&1; then
  jarri=(jarri)
elif python3 -c 'import jarri' >/dev/null 2>&1; then
  jarri=(python3 -m jarri)
else
  echo "error: jarri is not installed; run: pip install -r requirements.txt" >&2
  exit 2
fi

run_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --models|--repeats|--experiments|--tdp-levels)
      if [ $# -lt 2 ] || [ -z "$2" ] || [[ "$2" == --* ]]; then
        echo "error: $1 needs a value (see: bash ./run_me.sh --help)" >&2
        exit 2
      fi
      run_args+=("$1" "$2"); shift 2 ;;
    --models=*|--repeats=*|--experiments=*|--tdp-levels=*)
      if [ -z "${1#*=}" ]; then
        echo "error: ${1%%=*} needs a value (see: bash ./run_me.sh --help)" >&2
        exit 2
      fi
      run_args+=("$1"); shift ;;
    *) run_args+=("$1"); shift ;;
  esac
done

if [ ${#run_args[@]} -gt 0 ]; then
  status=0
  "${jarri[@]}" run --workspace "$here" "${run_args[@]}" || status=$?
  if [ "$status" -ne 0 ]; then
    # Interrupted sweeps (130/143) still rebuild what is on disk; errors stop here.
    if [ "$status" -ne 130 ] && [ "$status" -ne 143 ]; then exit "$status"; fi
  fi
  "${jarri[@]}" rebuild --workspace "$here"
  exit "$status"
fi

"${jarri[@]}" rebuild --workspace "$here"
