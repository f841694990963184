#!/usr/bin/env bash
# Install scanner-tui with its test tools, the system tools the tests drive (tmux, PostgreSQL,
# pdftoppm for the label round trips, OpenSSH's client and Chromium for serve), check the
# code (ruff, the import contracts of pyproject.toml), then run the whole test suite in parallel
# (pytest-xdist: two workers a core, as many tests wait on subprocesses, tmux and sleeps; set
# PYTEST_XDIST_AUTO_NUM_WORKERS to change it). With arguments, they go to pytest as they are
# (no -n: bash scripts/test.sh tests/test_x.py runs one file in one process).
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v tmux >/dev/null 2>&1 || need+=(tmux)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
command -v ssh >/dev/null 2>&1 || need+=(openssh-client)  # serve over SSH (tests/test_serve_ssh.py)
command -v chromium >/dev/null 2>&1 || need+=(chromium)   # serve in a browser (test_serve_web.py)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  elif command -v sudo >/dev/null 2>&1; then
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "note: ${need[*]} not installed; the tests that need them will be skipped" >&2
  fi
fi
bash scripts/install.sh test
.venv/bin/ruff check scanner_tui tests bench
.venv/bin/lint-imports --no-cache  # the layer contracts in pyproject.toml
if [ $# -eq 0 ]; then
  export PYTEST_XDIST_AUTO_NUM_WORKERS=${PYTEST_XDIST_AUTO_NUM_WORKERS:-$((2 * $(nproc)))}
  set -- -n auto
fi
exec .venv/bin/python -m pytest "$@"
