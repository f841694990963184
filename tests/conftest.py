"""Shared fixtures: a migrated SQLite store in a temp folder, the scan corpus, a real PostgreSQL."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from scanner_tui.inventory.db import open_store

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "scans" / "corpus.jsonl"

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist (``-n``), hand out the slow tests first: one started last would keep
    its worker busy long after the others ran out of tests. The order within each group stays
    the collection order (every worker collects the same list)."""
    if not config.getoption("numprocesses", None):
        return
    def weight(item: pytest.Item) -> int:
        return 0 if item.get_closest_marker("slow") else 1 if item.get_closest_marker("e2e") else 2

    items.sort(key=weight)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store.db'}"


@pytest.fixture
def engine(db_url: str):
    engine = open_store(db_url)
    yield engine
    engine.dispose()


def load_corpus() -> list[dict]:
    """The shared scanner payloads with their expected answers ([] when shared/ is absent)."""
    if not CORPUS.exists():
        return []
    return [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line]


@pytest.fixture
def corpus() -> list[dict]:
    cases = load_corpus()
    if not cases:
        pytest.skip(f"scan corpus not found at {CORPUS}")
    return cases


@pytest.fixture(scope="session")
def postgres_server():
    """A real PostgreSQL server on 127.0.0.1 for this test session."""
    from tests.postgres_server import PostgresServer, find_bin

    if not find_bin("initdb"):
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed: scripts/test.sh should have installed it")
        pytest.skip("PostgreSQL binaries not installed")
    server = PostgresServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def pg_url(postgres_server, request) -> str:
    """A fresh, empty PostgreSQL database for one test."""
    import re

    name = "t_" + re.sub(r"[^a-z0-9]", "_", request.node.name.lower())[:50]
    return postgres_server.create_database(f"{name}_{os.getpid()}_{id(request)}"[:63])
