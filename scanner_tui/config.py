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
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from scanner_tui.linear_regex import LinearRegexError, compile_linear

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
    # how long a write waits for another terminal's (or program's) lock before it is refused
    # as "the store is busy"; also the PostgreSQL connect timeout
    busy_timeout_seconds: float = Field(default=10.0, gt=0, le=600)


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
    """A tag rule must be a valid ASCII-mode regular expression that the linear-time engine
    (RE2, scanning/rules.py) can run: no backreferences or lookaround, whose worst case on a
    crafted scan is seconds of work."""
    try:
        re.compile(value, re.ASCII)
    except (re.error, ValueError) as exc:
        raise ValueError(f"is not a valid regular expression ({exc})") from None
    try:
        compile_linear(value)
    except LinearRegexError as exc:
        raise ValueError(
            f"uses {exc}, which the linear-time rule engine cannot run (so that no scan can"
            " keep a rule busy for seconds); write the rule without it"
        ) from None
    return value


def _check_digit_range(value: list[int]) -> list[int]:
    """Two digit positions (1-13, of the 13-digit form), first <= last, inside digits 3-12."""
    if len(value) != 2 or not 3 <= value[0] <= value[1] <= 12:
        raise ValueError(
            f"should be [first, last] digit positions between 3 and 12 (got {value!r})"
        )
    return value


def _check_prefixes(value: list[str]) -> list[str]:
    """Variable-measure prefixes: "20"-"29" (EAN-13) or "02" (a UPC-A starting with 2)."""
    wrong = [p for p in value if p != "02" and not (len(p) == 2 and p[0] == "2" and p.isdigit())]
    if wrong:
        raise ValueError(
            f"{wrong[0]!r} is not a variable-measure prefix (use \"20\"-\"29\", or \"02\""
            " for UPC numbers starting with 2)"
        )
    return value


class TagsConfig(_Section):
    bin: str = r"^[A-Z]{1,2}[0-9]{2}-[A-Z]-[0-9]{2}$"
    asset: str = r"^AT[0-9]{8}$"
    badge: str = r"^OP-[0-9]{4}$"
    command: str = r"^CMD:[A-Z]+$"
    max_length: int = Field(default=256, gt=0, le=100_000)
    # a payload that matches a rule only upper-cased is taken upper-cased (caps lock on)
    caps_lock: bool = True
    # a GS1 (414)+(254) location label: the (254) extension is the bin code
    gln_extension_is_bin: bool = False
    # variable-measure EAN-13 / UPC-A (prefixes 20-29, UPC 2): the site's scheme
    variable_measure: bool = True
    variable_item_digits: list[int] = Field(default_factory=lambda: [3, 7])
    variable_value_digits: list[int] = Field(default_factory=lambda: [8, 12])
    price_prefixes: list[str] = Field(
        default_factory=lambda: ["02", "20", "21", "22", "23", "24"])
    weight_prefixes: list[str] = Field(default_factory=lambda: ["25", "26", "27", "28", "29"])
    price_decimals: int = Field(default=2, ge=0, le=4)
    weight_decimals: int = Field(default=3, ge=0, le=4)  # the weight is in kg

    _regexes = field_validator("bin", "asset", "badge", "command")(_check_regex)
    _ranges = field_validator("variable_item_digits", "variable_value_digits")(
        _check_digit_range)
    _prefixes = field_validator("price_prefixes", "weight_prefixes")(_check_prefixes)

    @model_validator(mode="after")
    def _scheme_is_consistent(self) -> TagsConfig:
        item, value = self.variable_item_digits, self.variable_value_digits
        if item[0] <= value[1] and value[0] <= item[1]:
            raise ValueError(
                f"variable_item_digits {item} and variable_value_digits {value} overlap"
            )
        both = sorted(set(self.price_prefixes) & set(self.weight_prefixes))
        if both:
            raise ValueError(f"prefix {both[0]!r} is in both price_prefixes and weight_prefixes")
        return self


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


def _check_listen(value: str) -> str:
    """HOST:PORT to listen on, or "" (off)."""
    if value:
        host, sep, port = value.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"{value!r} should be HOST:PORT (e.g. 0.0.0.0:2222), or \"\" (off)")
    return value


class ServeConfig(_Section):
    """``scanner-tui serve``: many terminals on one host (SSH and the browser)."""

    ssh: str = "0.0.0.0:2222"  # HOST:PORT, or "" (no SSH)
    web: str = "127.0.0.1:8080"  # HOST:PORT, or "" (no browser)
    host_key: str = ""  # the SSH host key; "": ssh_host_key in the data folder (made on start)
    authorized_keys: str = ""  # OpenSSH format; "": authorized_keys in the data folder
    passwords: str = ""  # "TERMINAL-ID scrypt-hash" lines (``scanner-tui terminals --password``)
    web_tokens: str = ""  # "TOKEN TERMINAL-ID" lines: browser pairing (required off localhost)
    web_behind_proxy: bool = False  # an authenticating reverse proxy fronts a non-local web
    resume_minutes: float = Field(default=15.0, ge=0, le=24 * 60)
    scan_split_ms: float = Field(default=1500.0, ge=0, le=10_000)  # a burst cut by the network
    fork: bool = True  # sessions and browser tabs forked from a preloaded server (shared memory)

    _listen = field_validator("ssh", "web")(_check_listen)


class Config(_Section):
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    scanner: ScannerConfig = Field(default_factory=ScannerConfig)
    tags: TagsConfig = Field(default_factory=TagsConfig)
    terminal: TerminalConfig = Field(default_factory=TerminalConfig)
    feedback: FeedbackConfig = Field(default_factory=FeedbackConfig)
    labels: LabelsConfig = Field(default_factory=LabelsConfig)
    identity: IdentityConfig = Field(default_factory=IdentityConfig)
    serve: ServeConfig = Field(default_factory=ServeConfig)


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
