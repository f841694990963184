"""``scanner-tui recall LOT --hold`` / ``--release`` through the installed command (issue 11
item 7): who may, what it says, and ``recall LOT`` saying whether the lot is held."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_cli_desk import cli, demo_cfg  # noqa: F401  (the fixture)

pytestmark = pytest.mark.slow  # a dozen runs of the installed command each


def test_hold_release_and_recall_say_it(tmp_path: Path, demo_cfg: Path) -> None:  # noqa: F811
    c = ["--config", str(demo_cfg)]
    held = cli("recall", "B2604", "--hold", "--badge", "OP-0003", "--reason",
               "supplier recall", *c, home=tmp_path)
    assert held.returncode == 0, held.stderr
    first, *rest = held.stdout.splitlines()
    assert first.startswith("Lot B2604 is on hold: 0 unit(s) and 12 by quantity")
    assert any(line.startswith("On hold since ") and "by OP-0003: supplier recall." in line
               for line in rest)
    assert any("12 x BATTERY-AA-4 in A02-A-01, on hold" in line for line in rest)

    shown = cli("recall", "B2604", *c, home=tmp_path)
    assert shown.returncode == 0 and "On hold since" in shown.stdout.splitlines()[1]
    as_json = cli("recall", "B2604", "--json", *c, home=tmp_path)
    (line,) = as_json.stdout.splitlines()  # JSON Lines: one object
    r = json.loads(line)
    assert r["hold"]["by"] == "OP-0003" and r["hold"]["sku"] is None
    assert r["stock"][0]["held"] is True and r["sku"] is None

    released = cli("recall", "B2604", "--release", "--badge", "OP-0003", *c, home=tmp_path)
    assert released.returncode == 0
    assert released.stdout.startswith("Lot B2604 is released: 0 unit(s) and 12 by quantity")
    assert "Not on hold." in released.stdout.splitlines()
    assert json.loads(cli("recall", "B2604", "--json", *c, home=tmp_path).stdout)["hold"] \
        is None


def test_only_a_supervisor_holds_and_mistakes_are_one_line(tmp_path: Path,
                                                           demo_cfg: Path) -> None:  # noqa: F811
    c = ["--config", str(demo_cfg)]
    picker = cli("recall", "B2604", "--hold", "--badge", "OP-0001", *c, home=tmp_path)
    assert picker.returncode == 1 and picker.stdout == ""
    assert picker.stderr.splitlines() == [
        "scanner-tui: OP-0001 is a picker and may not hold or release lots; ask a supervisor "
        "or admin."]
    nobody = cli("recall", "B2604", "--hold", *c, home=tmp_path)
    assert nobody.returncode == 2 and "--badge" in nobody.stderr
    both = cli("recall", "B2604", "--hold", "--release", "--badge", "OP-0003", *c,
               home=tmp_path)
    assert both.returncode == 2
    not_held = cli("recall", "B2604", "--release", "--badge", "OP-0003", *c, home=tmp_path)
    assert not_held.returncode == 1
    assert not_held.stderr.strip() == "scanner-tui: Lot B2604 is not on hold; nothing changed."
    # a lot announced before it arrives may be held: nothing of it here yet
    early = cli("recall", "B2799", "--hold", "--badge", "OP-0003", *c, home=tmp_path)
    assert early.returncode == 0 and "0 unit(s) and 0 by quantity" in early.stdout
    assert "On hold since" in cli("recall", "B2799", *c, home=tmp_path).stdout
