"""Issue 11, the desk commands (items 18, 19, 20), through the installed ``scanner-tui``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scanner_tui.inventory.db import open_store
from scanner_tui.inventory.demo import build_demo
from scanner_tui.inventory.journal import record_outcome, record_scan
from scanner_tui.scanning.classify import classify
from scanner_tui.scanning.result import Scan, Source

SCANNER_TUI = str(Path(sys.executable).with_name("scanner-tui"))


def cli(*args: str, home: Path, env: dict | None = None, **kw) -> subprocess.CompletedProcess:
    """The installed command with its own HOME (so the per-user default store is ours)."""
    base = {k: v for k, v in os.environ.items() if k != "SCANNER_TUI_CONFIG"}
    base.update(HOME=str(home), XDG_DATA_HOME=str(home / "data"), XDG_CONFIG_HOME=str(home))
    return subprocess.run([SCANNER_TUI, *args], capture_output=True, text=True, timeout=120,
                          env={**base, **(env or {})}, **kw)


def config_for(tmp_path: Path, db: Path) -> Path:
    cfg = tmp_path / "site.toml"
    cfg.write_text(f'[database]\nurl = "sqlite:///{db}"\n', encoding="utf-8")
    return cfg


@pytest.fixture
def demo_cfg(tmp_path: Path) -> Path:
    db = tmp_path / "demo.db"
    engine = open_store(f"sqlite:///{db}")
    build_demo(engine)
    engine.dispose()
    return config_for(tmp_path, db)


# --- item 19: one message, exit 2; a missing store file is an error ---------------------------

COMMANDS = [["verify"], ["history", "SO-1001"], ["export", "stock"], ["recall", "LT2609A"],
            ["counts", "list"], ["demo"], ["journal"]]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_a_bad_config_is_one_line_and_exit_2(tmp_path: Path, command: list[str]) -> None:
    done = cli(*command, "--config", str(tmp_path / "nope.toml"), home=tmp_path)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot read the configuration file" in lines[0], done.stderr


@pytest.mark.parametrize("command", [c for c in COMMANDS if c != ["demo"]],
                         ids=lambda c: c[0])
def test_a_mistyped_store_path_is_an_error_and_creates_nothing(tmp_path: Path,
                                                               command: list[str]) -> None:
    db = tmp_path / "warehuose.db"
    done = cli(*command, "--config", str(config_for(tmp_path, db)), home=tmp_path)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and f"there is no store at {db}" in lines[0], done.stderr
    assert not db.exists()


def test_demo_and_import_may_make_the_store(tmp_path: Path) -> None:
    bins = tmp_path / "bins.csv"
    bins.write_text("code,zone,kind\nA01-A-01,pick,pick\n", encoding="utf-8")
    db = tmp_path / "new.db"
    done = cli("import", "bins", str(bins), "--config", str(config_for(tmp_path, db)),
               home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert db.exists()


# --- item 18: the demo's store is what the next commands reach; an empty store says so ---------

@pytest.mark.slow
def test_demo_says_how_the_next_commands_reach_its_store(tmp_path: Path) -> None:
    cfg = config_for(tmp_path, tmp_path / "warehouse.db")
    done = cli("demo", "--config", str(cfg), home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"export SCANNER_TUI_CONFIG={cfg.resolve()}" in done.stderr
    line = next(x for x in done.stderr.splitlines() if "export SCANNER_TUI_CONFIG=" in x)
    assert line.strip().startswith("export ") and "\\x0a" not in done.stderr  # a line to copy
    value = line.split("=", 1)[1]
    verify = cli("verify", home=tmp_path, env={"SCANNER_TUI_CONFIG": value})
    assert verify.returncode == 0, verify.stderr
    assert "0 ledger rows" not in verify.stdout and "is empty" not in verify.stderr
    history = cli("history", "SO-1001", home=tmp_path, env={"SCANNER_TUI_CONFIG": value})
    assert history.returncode == 0 and "SO-1001" in history.stdout


def test_the_demo_script_prints_that_line_too() -> None:
    script = (Path(__file__).parents[1] / "scripts" / "demo.sh").read_text(encoding="utf-8")
    said = [line for line in script.splitlines() if line.startswith("echo ")]
    assert any("export SCANNER_TUI_CONFIG=$SCANNER_TUI_CONFIG" in line for line in said)


def test_without_a_config_the_default_store_is_missing_and_said(tmp_path: Path) -> None:
    done = cli("verify", home=tmp_path)
    assert done.returncode == 2 and "there is no store at" in done.stderr
    assert str(tmp_path) in done.stderr  # the per-user default, under this HOME


def test_a_command_on_an_empty_store_says_so(tmp_path: Path, engine, db_url: str) -> None:
    cfg = tmp_path / "empty.toml"
    cfg.write_text(f'[database]\nurl = "{db_url}"\n', encoding="utf-8")
    done = cli("verify", "--config", str(cfg), home=tmp_path)
    assert done.returncode == 0
    assert "is empty (no bins, SKUs, units, operators, ledger rows or scans yet)" in done.stderr


# --- item 20: one way for one thing -----------------------------------------------------------

def test_version(tmp_path: Path) -> None:
    done = cli("--version", home=tmp_path)
    assert done.returncode == 0 and done.stdout.startswith("scanner-tui ")


@pytest.mark.slow
def test_recall_takes_the_lot_like_history_takes_a_code(tmp_path: Path, demo_cfg: Path) -> None:
    c = ["--config", str(demo_cfg)]
    done = cli("recall", "LT2609A", *c, home=tmp_path)
    assert done.returncode == 0 and "Recall lot LT2609A: 8 units" in done.stdout
    assert cli("recall", "--lot", "LT2609A", *c, home=tmp_path).stdout == done.stdout
    lot = cli("recall", "NO-SUCH-LOT", *c, home=tmp_path)
    code = cli("history", "NO-SUCH-CODE", *c, home=tmp_path)
    assert lot.returncode == code.returncode == 1
    assert lot.stdout == code.stdout == ""
    assert "'NO-SUCH-LOT' is not in this store" in lot.stderr
    assert len(lot.stderr.splitlines()) == len(code.stderr.splitlines()) == 1


def test_recall_says_shipped_when_the_rows_say_shipped(tmp_path: Path, demo_cfg: Path) -> None:
    done = cli("recall", "B2611", "--config", str(demo_cfg), home=tmp_path)
    head, *rows = done.stdout.splitlines()
    assert any("shipped on order SO-0999" in r for r in rows)
    assert "0 picked for orders, 3 shipped" in head


def _no_empty_strings(value: object) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            if k != "payload":  # what was read, even when empty
                _no_empty_strings(v)
    elif isinstance(value, list):
        for v in value:
            _no_empty_strings(v)
    else:
        assert value != "", "an absent value is spelt null"


@pytest.mark.parametrize("command", [["history", "SO-1001"], ["history", "A02-A-01"],
                                     ["recall", "B2611"], ["verify"], ["journal"]],
                         ids=lambda c: "-".join(c))
def test_every_json_is_json_lines_of_objects_with_null_for_absent(
        tmp_path: Path, demo_cfg: Path, command: list[str]) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 'demo.db'}")
    for payload, terminal, operator in (("A01-A-01\r", "HH-07", ""), ("nope\r", "", ""),
                                        ("", "HH-07", "")):
        scan = Scan(payload, Source.WEDGE)
        result = classify(payload)
        record_scan(engine, scan, result, terminal=terminal, operator=operator)
        record_outcome(engine, scan.id, result.accepted, result.reason or "")
    engine.dispose()
    done = cli(*command, "--json", "--config", str(demo_cfg), home=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines and all(isinstance(json.loads(line), dict) for line in lines)
    if command[0] != "journal":
        assert len(lines) == 1  # a document: one object on one line
    else:
        assert json.loads(lines[-1])["payload"] == ""  # an empty scan is data, not absent
    for line in lines:
        _no_empty_strings(json.loads(line))


def test_journal_escapes_cr_and_keeps_its_columns(tmp_path: Path, engine, db_url: str) -> None:
    for payload, terminal, operator in (("OP-0001\r", "T1", ""), ("A01-A-01\r", "HH-07",
                                        "OP-0001"), ("AT00000001\r", "", "")):
        scan = Scan(payload, Source.WEDGE)
        result = classify(payload)
        record_scan(engine, scan, result, terminal=terminal, operator=operator)
        record_outcome(engine, scan.id, result.accepted, result.reason or "")
    cfg = tmp_path / "j.toml"
    cfg.write_text(f'[database]\nurl = "{db_url}"\n', encoding="utf-8")
    done = cli("journal", "--config", str(cfg), home=tmp_path)
    lines = done.stdout.splitlines()
    assert "\r" not in done.stdout and "OP-0001\\r" in lines[0]
    assert len({line.index("wedge") for line in lines}) == 1, lines  # one column each
    assert len({line.index("accepted") for line in lines}) == 1, lines


@pytest.mark.slow
def test_export_into_a_closed_pipe_exits_0_quietly(tmp_path: Path, demo_cfg: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "SCANNER_TUI_CONFIG"}
    env.update(HOME=str(tmp_path))
    for command in (["export", "ledger"], ["history", "SO-1001"], ["journal"]):
        proc = subprocess.Popen([SCANNER_TUI, *command, "--config", str(demo_cfg)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        proc.stdout.close()  # `| head -0`: the reader is gone before anything is written
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=120) == 0, (command, err)
        assert err == "", err


@pytest.mark.slow
def test_one_option_name_for_the_badge(tmp_path: Path, demo_cfg: Path) -> None:
    c = ["--config", str(demo_cfg)]
    done = cli("labels", "assets", "--new", "1", "--badge", "OP-0002", "--format", "zpl",
               "--output", "-", *c, home=tmp_path)
    assert done.returncode == 0 and "recorded in the ledger for OP-0002" in done.stderr
    old = cli("labels", "assets", "--new", "1", "--operator", "OP-0002", "--format", "zpl",
              "--output", "-", *c, home=tmp_path)
    assert old.returncode == 0  # the old name still works, unlisted
    for command in (["labels", "assets"], ["import"], ["counts", "plan"]):
        shown = cli(*command, "--help", home=tmp_path).stdout
        assert "--badge" in shown and "--operator" not in shown, command
