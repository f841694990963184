"""The layer contracts in pyproject.toml (checked by ``lint-imports`` in scripts/test.sh).

``scanning`` may use only ``text``, ``config``, ``codes`` and ``linear_regex`` of ours: its
contract lists every other top-level module, so a module added later must be added there too
(this test says so).
"""

from __future__ import annotations

import pkgutil
import tomllib
from pathlib import Path

import scanner_tui

ROOT = Path(__file__).resolve().parents[1]
SCANNING_MAY_USE = {"scanning", "text", "config", "codes", "linear_regex"}


def _contracts() -> dict[str, dict]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {c["name"]: c for c in data["tool"]["importlinter"]["contracts"]}


def test_scanning_contract_names_every_other_module_of_ours() -> None:
    ours = {m.name for m in pkgutil.iter_modules(scanner_tui.__path__)}
    (contract,) = [c for c in _contracts().values()
                   if c.get("source_modules") == ["scanner_tui.scanning"]]
    forbidden = {m.removeprefix("scanner_tui.") for m in contract["forbidden_modules"]
                 if m.startswith("scanner_tui.")}
    assert forbidden == ours - SCANNING_MAY_USE, (
        "pyproject.toml's 'scanning is pure' contract must list every top-level module of ours "
        f"but {sorted(SCANNING_MAY_USE)}: add {sorted(ours - SCANNING_MAY_USE - forbidden)}, "
        f"drop {sorted(forbidden - ours)}")


def test_the_layer_contracts_are_there() -> None:
    sources = {c["source_modules"][0]: set(c.get("forbidden_modules", ()))
               for c in _contracts().values() if c["type"] == "forbidden"}
    assert {"scanner_tui.workflows", "scanner_tui.ui", "scanner_tui.commands",
            "scanner_tui.cli"} <= sources["scanner_tui.inventory"]
    assert {"scanner_tui.ui", "scanner_tui.commands", "textual"} <= sources[
        "scanner_tui.workflows"]
    assert "scanner_tui.commands" in sources["scanner_tui.ui"]
    assert any(c["type"] == "acyclic_siblings" for c in _contracts().values())


def test_asset_tags_are_printed_one_way() -> None:
    """The floor (workflows.tag_printing) and the CLI (labels assets) both print asset tags
    through ``labels.jobs.print_asset_tags``: neither allocates, prints or records by itself."""
    import importlib

    for name in ("scanner_tui.workflows.tag_printing", "scanner_tui.commands.labels_cmd"):
        module = importlib.import_module(name)
        assert getattr(module, "print_asset_tags", None) is not None, name
        for step in ("allocate_asset_tags", "record_printed", "new_tag_labels",
                     "asset_labels", "already_issued"):
            assert not hasattr(module, step), f"{name} uses {step} itself"


def test_lint_imports_keeps_every_contract() -> None:
    import subprocess
    import sys

    import pytest

    tool = Path(sys.executable).with_name("lint-imports")
    if not tool.exists():
        pytest.skip("import-linter is not installed (the test extra installs it)")
    done = subprocess.run([str(tool), "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]


def test_workflows_reach_the_store_only_through_inventory() -> None:
    """SQL the workflows need lives in inventory/ (queries and ops): a contract forbids the
    workflows importing SQLAlchemy or SQLModel themselves."""
    (contract,) = [c for c in _contracts().values()
                   if c["type"] == "forbidden" and c["source_modules"] == ["scanner_tui.workflows"]
                   and "sqlalchemy" in c["forbidden_modules"]]
    assert {"sqlalchemy", "sqlmodel"} <= set(contract["forbidden_modules"])
    ignored = {i.split(" -> ")[0] for i in contract.get("ignore_imports", ())}
    assert ignored <= {"scanner_tui.workflows.base"}, "new SQL in workflows belongs in inventory/"
