"""Settings: a TOML file (``--config FILE`` or ``SCANNER_TUI_CONFIG``) over sensible defaults.

The section and key names are part of the interface (sites script against them); see
``config.example.toml`` for every key with a comment.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

ENV_VAR = "SCANNER_TUI_CONFIG"


class ConfigError(Exception):
    """A configuration problem, worded as one line for the person who wrote the file."""


def default_database_url() -> str:
    folder = Path(user_data_dir("scanner-tui", appauthor=False))
    return f"sqlite:///{folder / 'scanner.db'}"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class DatabaseConfig(_Section):
    url: str = Field(default_factory=default_database_url)


def _check_gs_substitute(value: str) -> str:
    """The stand-in for GS must not be a character tags or the scanner suffix use."""
    if value and (value.isalnum() or value in " \r\n\t-:"):
        raise ValueError(
            f"{value!r} cannot stand in for GS (letters, digits, '-', ':', spaces and the"
            " scanner suffix are data); use a character like '|' or '~'"
        )
    return value


class ScannerConfig(_Section):
    input: Literal["wedge", "serial", "both"] = "wedge"
    port: str = ""
    baudrate: int = Field(default=9600, gt=0)
    bytesize: Literal[5, 6, 7, 8] = 8
    parity: Literal["N", "E", "O", "M", "S"] = "N"
    stopbits: Literal[1, 2] = 1
    terminator: Literal["CR", "LF", "CRLF", "TAB"] = "CR"
    gs_substitute: str = Field(default="", max_length=1)
    burst_gap_ms: float = Field(default=50.0, gt=0)
    reconnect_seconds: float = Field(default=2.0, gt=0)

    _gs_substitute = field_validator("gs_substitute")(_check_gs_substitute)


def _check_regex(value: str) -> str:
    """Tag rules are compiled with re.ASCII (scanning/rules.py): check them the same way, and
    refuse nested repetition (``(A+)+``), which can take seconds on one crafted scan."""
    from scanner_tui.codes import CodeRefused, nested_repetition

    try:
        re.compile(value, re.ASCII)
    except (re.error, ValueError) as exc:
        raise ValueError(f"is not a valid regular expression ({exc})") from None
    if nested_repetition(value):
        raise ValueError(str(CodeRefused(
            "repeats a repeated group (like (A+)+), which can take seconds on one scan; "
            "write it without the nesting", what="rule", reason="pattern")))
    return value


class TagsConfig(_Section):
    bin: str = r"^[A-Z]{1,2}[0-9]{2}-[A-Z]-[0-9]{2}$"
    asset: str = r"^AT[0-9]{8}$"
    badge: str = r"^OP-[0-9]{4}$"
    command: str = r"^CMD:[A-Z]+$"
    max_length: int = Field(default=256, gt=0, le=100_000)

    _regexes = field_validator("bin", "asset", "badge", "command")(_check_regex)


def _check_code(value: str) -> str:
    """Codes in the config pass the same validator as every other door (scanner_tui.codes)."""
    from scanner_tui.codes import CodeRefused, check_code

    if not value:
        return value
    try:
        return check_code(value, "code")
    except CodeRefused as exc:
        raise ValueError(str(exc)) from None


class TerminalConfig(_Section):
    id: str = Field(default_factory=lambda: os.uname().nodename or "terminal")
    dock_bin: str = ""  # where this terminal receives; empty: the first active dock bin

    _codes = field_validator("id", "dock_bin")(_check_code)


class IdentityConfig(_Section):
    """Unit data the store trusts (issue 9): own tags never issued, quantities per operation."""

    unissued_tags: Literal["refuse", "warn"] = "refuse"
    max_quantity: int = Field(default=1_000_000, ge=1, le=2**53 - 1)


class FeedbackConfig(_Section):
    bell: bool = True


class LabelsConfig(_Section):
    """Label stock and printing (``scanner-tui labels``): sizes in millimetres."""

    width_mm: float = Field(default=100.0, gt=10, le=500)
    height_mm: float = Field(default=50.0, gt=10, le=500)
    dpi: Literal[203, 300] = 203
    quiet_zone_mm: float = Field(default=5.0, ge=0, le=50)
    human_readable: bool = True
    font_size: float = Field(default=10.0, gt=3, le=72)  # points, the text under the bars
    sheet: Literal["thermal", "a4", "letter"] = "thermal"
    sheet_columns: int = Field(default=3, ge=1, le=10)
    sheet_rows: int = Field(default=8, ge=1, le=30)
    sheet_margin_mm: float = Field(default=0.0, ge=0, le=50)
    asset_prefix: str = Field(default="AT", pattern=r"^[A-Z]{1,6}$")
    asset_digits: int = Field(default=8, ge=4, le=12)
    printer: str = Field(default="", pattern=r"^(tcp://[^\s/]+)?$")  # the app's label printer
    printer_timeout_s: float = Field(default=5.0, gt=0, le=120)
    printer_status_check: bool = True


class Config(_Section):
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    scanner: ScannerConfig = Field(default_factory=ScannerConfig)
    tags: TagsConfig = Field(default_factory=TagsConfig)
    terminal: TerminalConfig = Field(default_factory=TerminalConfig)
    feedback: FeedbackConfig = Field(default_factory=FeedbackConfig)
    labels: LabelsConfig = Field(default_factory=LabelsConfig)
    identity: IdentityConfig = Field(default_factory=IdentityConfig)


def _describe(error: dict) -> str:
    key = ".".join(str(part) for part in error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"{key}: unknown key"
    if kind == "value_error":
        return f"{key}: {error['msg'].removeprefix('Value error, ')}"
    if kind in ("model_type", "dict_type"):
        return f"{key}: should be a table ([{key}]), got {error.get('input')!r}"
    given = error.get("input")
    return f"{key}: {error['msg'].lower()} (got {given!r})"


def parse_config(data: dict, source: str = "configuration") -> Config:
    """Validate a parsed TOML document; raise ConfigError naming the first bad key."""
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{source}: {_describe(exc.errors()[0])}") from None


def load_config(path: str | os.PathLike | None = None) -> Config:
    """Load the file given, else the one named by SCANNER_TUI_CONFIG, else the defaults."""
    if path is None:
        path = os.environ.get(ENV_VAR) or None
    if path is None:
        return Config()
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read the configuration file ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{file}: the configuration file is not UTF-8 text") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: not valid TOML ({exc})") from None
    return parse_config(data, str(file))
