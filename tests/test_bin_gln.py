"""GS1 place labels mapped to bins (issue 10, migration 0007): the bins import's ``gln`` and
``gln_extension`` columns, the look-up, the workflows, and a release store upgraded."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, select, text

from scanner_tui.inventory.db import make_engine, migrate, open_store
from scanner_tui.inventory.demo import build_demo
from scanner_tui.inventory.importer import ImportFailed, import_csv
from scanner_tui.inventory.models import Bin
from scanner_tui.inventory.verify import verify
from scanner_tui.workflows.move import MoveWorkflow
from scanner_tui.workflows.receive import ReceiveWorkflow
from tests.workflow_helpers import qty, scan, services

FIXTURE = Path(__file__).parent / "fixtures" / "store_release_0_1.db"
GLN = "0950110153007"
PLACE = f"]C1414{GLN}254"  # + the extension
COUNTS = ("SELECT (SELECT count(*) FROM asset), (SELECT sum(qty) FROM stock),"
          " (SELECT count(*) FROM bin)")


def downgrade(engine, revision: str) -> None:
    from alembic import command

    from scanner_tui.inventory.db import _alembic_config

    cfg = _alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


@pytest.fixture
def demo(engine):
    build_demo(engine)
    yield engine
    assert verify(engine) == []


def map_bins(engine, tmp_path, rows: str):
    path = tmp_path / "bins.csv"
    path.write_text("code,zone,kind,gln,gln_extension\n" + rows, encoding="utf-8")
    return import_csv(engine, "bins", path)


def test_the_bins_import_maps_a_place_label_and_move_uses_it(demo, tmp_path):
    result = map_bins(demo, tmp_path, f"A01-A-02,pick,pick,{GLN},A04B12\n")
    assert result.updated == 1
    with demo.connect() as conn:
        row = conn.execute(select(Bin.gln, Bin.gln_extension)
                           .where(Bin.code == "A01-A-02")).one()
    assert tuple(row) == (GLN, "A04B12")
    wf = MoveWorkflow(services(demo, "OP-0001"))
    scan(wf, "R01-A-02")
    scan(wf, "5901234100359")  # MUG-01
    wf.answer("5")
    before = qty(demo, "MUG-01", "A01-A-02")
    out = scan(wf, PLACE + "A04B12")
    assert out.accepted, out.message
    assert qty(demo, "MUG-01", "A01-A-02") == before + 5


def test_a_mapped_place_is_the_working_bin_in_receive(demo, tmp_path):
    map_bins(demo, tmp_path, f"DK01-A-02,dock,dock,{GLN},DOCK-2\n")
    wf = ReceiveWorkflow(services(demo, "OP-0002"), blind=True)
    out = scan(wf, PLACE + "DOCK-2")  # another dock: changing the receiving bin is asked
    assert out.accepted and out.question is not None and "DK01-A-02" in out.message
    assert scan(wf, "CMD:YES").accepted and wf.bin == "DK01-A-02"


def test_an_unmapped_place_names_the_gln_and_both_ways_to_map_it(demo):
    wf = MoveWorkflow(services(demo, "OP-0001"))
    out = scan(wf, PLACE + "NOWHERE")
    assert not out.accepted and GLN in out.message and "NOWHERE" in out.message
    assert "bins import" in out.message and "gln_extension_is_bin" in out.message


@pytest.mark.parametrize(("rows", "problem"), [
    ("A01-A-02,pick,pick,0950110153008,A1\n", "is not a GS1 place"),  # check digit
    (f"A01-A-02,pick,pick,{GLN},\n", "is not a GS1 place"),  # a GLN alone is a site
    (f"A01-A-02,pick,pick,{GLN},A1\nA01-A-03,pick,pick,{GLN},A1\n", "already on line 2"),
])
def test_a_bad_or_repeated_place_is_refused_and_nothing_imported(demo, tmp_path, rows, problem):
    with pytest.raises(ImportFailed) as err:
        map_bins(demo, tmp_path, rows)
    assert problem in str(err.value)
    with demo.connect() as conn:
        assert conn.execute(select(Bin.code).where(Bin.gln != "")).all() == []


def test_a_place_already_mapped_to_another_bin_is_refused(demo, tmp_path):
    map_bins(demo, tmp_path, f"A01-A-02,pick,pick,{GLN},A1\n")
    with pytest.raises(ImportFailed) as err:
        map_bins(demo, tmp_path, f"A01-A-03,pick,pick,{GLN},A1\n")
    assert "names bin A01-A-02 already" in str(err.value)


@pytest.mark.skipif(not FIXTURE.exists(), reason="the release 0.1 store is absent")
def test_a_release_store_upgrades_to_0007_and_back(tmp_path):
    copy = tmp_path / "store.db"
    shutil.copyfile(FIXTURE, copy)  # never the fixture itself
    url = f"sqlite:///{copy}"
    old = create_engine(url)
    with old.connect() as conn:
        before = tuple(conn.execute(text(COUNTS)).one())
    old.dispose()
    engine = open_store(url)
    try:
        with engine.connect() as conn:
            assert tuple(conn.execute(text(COUNTS)).one()) == before
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() \
                >= "0007"  # the head (later migrations build on 0007)
            assert conn.execute(text("SELECT count(*) FROM bin WHERE gln = '' AND "
                                     "gln_extension = ''")).scalar() == before[2]
        assert verify(engine) == []
        downgrade(engine, "0006")
        assert "gln" not in {c["name"] for c in inspect(engine).get_columns("bin")}
        migrate(engine)
        assert "gln" in {c["name"] for c in inspect(engine).get_columns("bin")}
        assert verify(engine) == []
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_0007_up_and_down_on_postgres(pg_url):
    engine = make_engine(pg_url)
    try:
        migrate(engine, "0006")
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO bin (code, zone, kind, active, needs_count) "
                              "VALUES ('A01-A-01', 'pick', 'pick', true, false)"))
        migrate(engine)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT code, gln, gln_extension FROM bin")).one() == \
                ("A01-A-01", "", "")
        downgrade(engine, "0006")
        assert "gln" not in {c["name"] for c in inspect(engine).get_columns("bin")}
        migrate(engine)
    finally:
        engine.dispose()


def test_a_bins_file_without_the_gln_columns_keeps_the_mapping(demo, tmp_path):
    map_bins(demo, tmp_path, f"A01-A-02,pick,pick,{GLN},A1\n")
    path = tmp_path / "old.csv"
    path.write_text("code,zone,kind\nA01-A-02,fast,pick\n", encoding="utf-8")
    import_csv(demo, "bins", path)
    with demo.connect() as conn:
        row = conn.execute(select(Bin.zone, Bin.gln, Bin.gln_extension)
                           .where(Bin.code == "A01-A-02")).one()
    assert tuple(row) == ("fast", GLN, "A1")
