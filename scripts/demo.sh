#!/usr/bin/env bash
# Install scanner-tui and open it on a demo warehouse (embedded SQLite, no server needed).
# The demo store and its config live in ./demo/ (delete the folder to start over).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
mkdir -p demo
if [ ! -f demo/scanner-tui.toml ]; then
  printf '# Made by scripts/demo.sh\n[database]\nurl = "sqlite:///%s/demo/warehouse.db"\n\n[terminal]\nid = "DEMO-1"\n' "$PWD" > demo/scanner-tui.toml
fi
export SCANNER_TUI_CONFIG="$PWD/demo/scanner-tui.toml"
[ -f demo/warehouse.db ] || .venv/bin/scanner-tui demo
# Other commands (verify, history...) open the per-user store unless told this one: say how.
echo "The demo store: point other scanner-tui commands at it with"
echo "  export SCANNER_TUI_CONFIG=$SCANNER_TUI_CONFIG"
exec .venv/bin/scanner-tui run
