"""One terminal's app process: ``python -m scanner_tui.serve.child --terminal DOCK-1``.

``scanner-tui serve`` runs one per SSH channel (in a pseudo-terminal) and one per browser
visit (textual-serve's web driver, over pipes): ``main`` in a child of the preloaded fork
server (``launch``), or this command when ``[serve] fork = false``. The terminal id replaces
``[terminal] id``, so journal, ledger and session rows name the device.
"""

from __future__ import annotations

import argparse
import re
import sys

TERMINAL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")


def valid_terminal_id(name: str) -> bool:
    """A terminal id: letters, digits, '.', '_' and '-', at most 32, starting alphanumeric."""
    return bool(TERMINAL_ID.match(name))


def command(terminal: str, config_path: str | None) -> list[str]:
    """The argv that runs ``terminal``'s app process."""
    argv = [sys.executable, "-m", "scanner_tui.serve.child", "--terminal", terminal]
    return argv + (["--config", config_path] if config_path else [])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scanner_tui.serve.child")
    parser.add_argument("--terminal", required=True)
    parser.add_argument("--config")
    args = parser.parse_args(argv)
    if not valid_terminal_id(args.terminal):
        print("scanner-tui: not a terminal id (letters, digits, . _ -)", file=sys.stderr)
        return 2
    from scanner_tui.config import ConfigError, load_config
    from scanner_tui.inventory.db import open_store
    from scanner_tui.serve.kept_app import KeptApp

    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"scanner-tui: {exc}", file=sys.stderr)
        return 2
    config = config.model_copy(update={
        "terminal": config.terminal.model_copy(update={"id": args.terminal})})
    try:
        engine = open_store(config.database.url, upgrade=False)
    except Exception as exc:  # noqa: BLE001  (one line on the terminal, not a traceback)
        from scanner_tui.inventory.faults import store_fault

        print(f"scanner-tui: {store_fault(exc).sentence('This terminal cannot start')}",
              file=sys.stderr)
        return 1
    try:
        KeptApp(config, engine, resume_minutes=config.serve.resume_minutes,
                split_wait_ms=config.serve.scan_split_ms).run()
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
