"""Store faults in floor words: a database exception becomes what is wrong and what to do.

One place for every caller (the scan pipeline, the commands): a busy store asks the worker to
wait and try again, but a read-only store, a full disk or a server that cannot be reached
cannot be helped by scanning again, so they say who to call. The driver's own text is kept in
``detail`` for the log, never shown on the floor.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from enum import StrEnum


class Fault(StrEnum):
    BUSY = "busy"
    READ_ONLY = "read-only"
    DISK_FULL = "disk full"
    UNREACHABLE = "unreachable"
    DAMAGED = "damaged"
    CANNOT_OPEN = "cannot open"
    OTHER = "other"


# what is wrong, what to do (the "what" reads after "nothing was done:" or "cannot ...:")
_WORDS: dict[Fault, tuple[str, str]] = {
    Fault.BUSY: ("the store is busy (another program is writing to it)",
                 "wait a moment and try again"),
    Fault.READ_ONLY: ("the store is read-only, so nothing can be saved",
                      "trying again will not help: call a supervisor"),
    Fault.DISK_FULL: ("the store's disk is full, so nothing can be saved",
                      "trying again will not help: call a supervisor to free space"),
    Fault.UNREACHABLE: ("the store's server cannot be reached",
                        "check the network cable or Wi-Fi, then try again; if it lasts, "
                        "call a supervisor"),
    Fault.DAMAGED: ("the store file is damaged or is not a store",
                    "stop using this terminal and call a supervisor"),
    Fault.CANNOT_OPEN: ("the store file cannot be opened (it is missing or not permitted)",
                        "check the database url in the configuration; call a supervisor"),
    Fault.OTHER: ("the store failed", "call a supervisor"),
}

# SQLite primary result codes (extended codes carry them in the low byte)
_SQLITE: dict[int, Fault] = {5: Fault.BUSY, 6: Fault.BUSY, 8: Fault.READ_ONLY,
                             13: Fault.DISK_FULL, 11: Fault.DAMAGED, 26: Fault.DAMAGED,
                             14: Fault.CANNOT_OPEN}
# PostgreSQL SQLSTATEs: exact codes first, then their two-character class
_SQLSTATE: dict[str, Fault] = {
    "25006": Fault.READ_ONLY, "53100": Fault.DISK_FULL, "55P03": Fault.BUSY,
    "57014": Fault.BUSY, "40001": Fault.BUSY, "40P01": Fault.BUSY, "53300": Fault.BUSY,
    "57P01": Fault.UNREACHABLE, "57P02": Fault.UNREACHABLE, "57P03": Fault.UNREACHABLE,
    "08": Fault.UNREACHABLE, "53": Fault.DISK_FULL, "XX": Fault.DAMAGED,
}


@dataclass(frozen=True, slots=True)
class StoreFault:
    """A store failure told truly: ``what`` is wrong, ``todo`` for the person in front of it."""

    kind: Fault
    what: str
    todo: str
    detail: str = ""  # the driver's first line: for logs only

    @property
    def retry_helps(self) -> bool:
        return self.kind in (Fault.BUSY, Fault.UNREACHABLE)

    def sentence(self, lead: str = "Nothing was done") -> str:
        """``lead``: what did not happen, e.g. "The scan was not saved"."""
        return f"{lead}: {self.what}; {self.todo}."


def _driver_error(exc: BaseException) -> BaseException:
    return getattr(exc, "orig", None) or exc


def _kind(err: BaseException) -> Fault | None:
    if isinstance(err, sqlite3.Error):
        code = getattr(err, "sqlite_errorcode", None)
        if code is not None:
            return _SQLITE.get(code & 0xFF, Fault.OTHER)
        text = str(err).lower()  # errors raised before SQLite answered carry no code
        return Fault.BUSY if "locked" in text else Fault.OTHER
    if type(err).__module__.split(".")[0] == "psycopg":
        state = getattr(err, "sqlstate", None)
        if not state:  # no SQLSTATE: the connection itself failed or was lost
            return Fault.UNREACHABLE
        return _SQLSTATE.get(state) or _SQLSTATE.get(state[:2], Fault.OTHER)
    return None


def fault_of(exc: BaseException) -> StoreFault | None:
    """The fault behind a database exception; None when ``exc`` is not one."""
    from sqlalchemy.exc import DBAPIError, DisconnectionError

    err = _driver_error(exc)
    kind = _kind(err)
    if kind is None and isinstance(exc, DisconnectionError):
        kind = Fault.UNREACHABLE
    elif kind is None and isinstance(exc, DBAPIError):
        kind = Fault.UNREACHABLE if exc.connection_invalidated else Fault.OTHER
    if kind is None:
        return None
    text = str(err).strip()
    detail = text.splitlines()[0] if text else type(err).__name__
    what, todo = _WORDS[kind]
    return StoreFault(kind, what, todo, detail)


def store_fault(exc: BaseException) -> StoreFault:
    """Like :func:`fault_of`, but any exception gets an answer (``OTHER`` when unknown)."""
    found = fault_of(exc)
    if found is not None:
        return found
    what, todo = _WORDS[Fault.OTHER]
    return StoreFault(Fault.OTHER, what, todo, type(exc).__name__)
