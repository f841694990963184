"""Start a real, throwaway PostgreSQL server on loopback for the tests that need one.

Uses the Debian ``postgresql`` package's binaries (scripts/test.sh installs it). initdb refuses to
run as root, so as root the server runs as the ``postgres`` system user.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def find_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    def __init__(self) -> None:
        self.initdb = find_bin("initdb")
        self.pg_ctl = find_bin("pg_ctl")
        if not self.initdb or not self.pg_ctl:
            raise RuntimeError("PostgreSQL binaries not found (apt-get install postgresql)")
        self.root = Path(tempfile.mkdtemp(prefix="scanner-tui-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.as_root = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        cmd = list(args)
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)

    def start(self) -> str:
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(self.initdb, "-D", str(self.data), "-U", "scanner", "--auth=trust",
                  "-E", "UTF8", "--no-sync")
        for attempt in range(3):
            try:
                self._run(self.pg_ctl, "-D", str(self.data), "-l", str(self.root / "log"), "-w",
                          "-o", f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root}"
                          " -c fsync=off", "start")
                break
            except subprocess.CalledProcessError:
                # The free port was taken between choosing and binding it (another pytest-xdist
                # worker's server, a test's listener): choose again; anything else is raised.
                if attempt == 2 or not self._port_was_taken():
                    raise
                self.port = _free_port()
        return self.url("postgres")

    def _port_was_taken(self) -> bool:
        log = self.root / "log"
        return log.exists() and "could not bind" in log.read_text(errors="replace")

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://scanner@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url("postgres").replace("+psycopg", ""), autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run(self.pg_ctl, "-D", str(self.data), "-m", "immediate", "stop")
        except Exception:  # noqa: BLE001
            pass
        time.sleep(0.1)
        shutil.rmtree(self.root, ignore_errors=True)
