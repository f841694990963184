"""Imported once by the fork server before it forks any terminal's app process: everything a
floor app needs is loaded here, then frozen out of the garbage collector's reach, so the
forked processes share these pages with the server (copy-on-write) instead of each holding
its own copy (``bench/bench_serve.py`` measures the difference).

What a child would otherwise do on its own after the fork: Textual imports its pilot on every
``App.run``, and SQLAlchemy configures the mappers on the first query (~2 MiB a session); and
multiprocessing runs the ``scanner-tui`` script again in every child, so the fork server
imports ``scanner_tui.cli`` before this module (``launch.PRELOAD``).
``tests/test_serve_preload.py`` checks that a session imports nothing new."""

from __future__ import annotations

import gc
import pkgutil  # noqa: F401

import psycopg  # noqa: F401
import sqlalchemy.dialects.postgresql.psycopg  # noqa: F401
import sqlalchemy.dialects.sqlite.pysqlite  # noqa: F401
import textual.drivers.headless_driver  # noqa: F401
import textual.drivers.linux_driver  # noqa: F401
import textual.drivers.web_driver  # noqa: F401
import textual.layouts.factory  # noqa: F401
import textual.layouts.horizontal  # noqa: F401
import textual.layouts.stream  # noqa: F401
import textual.pilot  # noqa: F401
import textual.scrollbar  # noqa: F401
import textual.widgets  # noqa: F401
from rich.cells import cell_len
from sqlalchemy.orm import configure_mappers
from textual.widgets import OptionList, Static  # noqa: F401

import scanner_tui.config  # noqa: F401
import scanner_tui.inventory.db  # noqa: F401
import scanner_tui.inventory.lookup  # noqa: F401
import scanner_tui.serve.driver  # noqa: F401  (the kept app's quiet terminal driver)
import scanner_tui.serve.kept_app  # noqa: F401
import scanner_tui.serve.launch  # noqa: F401
import scanner_tui.workflows.registry as _registry

cell_len("✔ é")  # Rich's table of character widths, loaded on first use otherwise

for _entry in _registry.WORKFLOWS:  # the workflow modules, loaded lazily by the menu
    if _entry.target:
        _entry.load()

configure_mappers()
gc.collect()
gc.freeze()
