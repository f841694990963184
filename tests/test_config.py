"""Configuration: defaults, --config and SCANNER_TUI_CONFIG, and one clear line for a bad file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scanner_tui.config import ENV_VAR, Config, ConfigError, load_config, parse_config

REPO = Path(__file__).resolve().parent.parent
COMMAND = str(Path(sys.executable).parent / "scanner-tui")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if k != ENV_VAR}
    clean.update(HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "data"))
    return clean


def write(tmp_path: Path, text: str, name: str = "site.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- defaults and where the file comes from --------------------------------------------------

def test_defaults_without_a_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    config = load_config()
    assert config == load_config(None)
    assert config.database.url == f"sqlite:///{tmp_path / 'data' / 'scanner-tui' / 'scanner.db'}"
    assert config.scanner.input == "wedge"
    assert config.scanner.burst_gap_ms == 50
    assert config.scanner.gs_substitute == ""
    assert config.tags.bin == r"^[A-Z]{1,2}[0-9]{2}-[A-Z]-[0-9]{2}$"
    assert config.tags.asset == r"^AT[0-9]{8}$"
    assert config.tags.badge == r"^OP-[0-9]{4}$"
    assert config.tags.command == r"^CMD:[A-Z]+$"
    assert config.tags.max_length == 256
    assert config.feedback.bell is True
    assert config.terminal.id


def test_empty_file_means_defaults(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, "")).tags == Config().tags


def test_file_given_and_file_from_environment(monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path) -> None:
    given = write(tmp_path, '[terminal]\nid = "dock-1"\n[tags]\nmax_length = 64\n')
    other = write(tmp_path, '[terminal]\nid = "from-env"\n', "env.toml")
    monkeypatch.setenv(ENV_VAR, str(other))
    assert load_config().terminal.id == "from-env"
    assert load_config(given).terminal.id == "dock-1"  # an explicit file wins
    assert load_config(given).tags.max_length == 64


def test_example_config_loads_if_present() -> None:
    example = REPO / "config.example.toml"
    if not example.exists():
        pytest.skip("config.example.toml not written yet")
    load_config(example)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("[tags]\nbinn = 'x'\n", "tags.binn: unknown key"),
        ("colour = 1\n", "colour: unknown key"),
        ("[tags]\nmax_length = '9'\n", "tags.max_length"),
        ("[tags]\nmax_length = 0\n", "tags.max_length"),
        ("[scanner]\nbaudrate = 9600.5\n", "scanner.baudrate"),
        ("[scanner]\ninput = 'usb'\n", "scanner.input"),
        ("[scanner]\ngs_substitute = 'ab'\n", "scanner.gs_substitute"),
        ("[scanner]\ngs_substitute = '7'\n", "scanner.gs_substitute"),
        ("[feedback]\nbell = 'yes'\n", "feedback.bell"),
        ("[tags]\nbin = '([A-Z'\n", "tags.bin: is not a valid regular expression"),
        ("[tags]\ncommand = '(?u)CMD'\n", "tags.command: is not a valid regular expression"),
        ("tags = 5\n", "tags: should be a table"),
    ],
)
def test_bad_values_name_the_key(text: str, needle: str) -> None:
    import tomllib

    with pytest.raises(ConfigError) as caught:
        parse_config(tomllib.loads(text), "site.toml")
    message = str(caught.value)
    assert message.startswith("site.toml: ")
    assert needle in message
    assert "\n" not in message


# --- the real command: one line, no traceback ------------------------------------------------

def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([COMMAND, *args], capture_output=True, text=True, env=env, timeout=60)


def assert_one_line_failure(done: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("scanner-tui: ")
    for needle in needles:
        assert needle in lines[0]


BAD_FILES = {
    "unknown key": ("[tags]\nbinn = '^B$'\n", ["tags.binn", "unknown key"]),
    "unknown section": ("[printer]\nhost = 'x'\n", ["printer", "unknown key"]),
    "wrong type": ("[scanner]\nbaudrate = 'fast'\n", ["scanner.baudrate", "integer"]),
    "out of range": ("[tags]\nmax_length = -1\n", ["tags.max_length", "greater than 0"]),
    "bad regex": ("[tags]\nasset = 'AT[0-9'\n", ["tags.asset", "regular expression"]),
    "unicode flag regex": ("[tags]\nbin = '(?u)\\\\d+'\n", ["tags.bin", "regular expression"]),
    "bad gs substitute": ("[scanner]\ngs_substitute = 'x'\n", ["scanner.gs_substitute"]),
    "bad TOML": ("[tags\nbin = 1\n", ["not valid TOML", "line 1"]),
    "bad TOML value": ("[tags]\nbin = ^A$\n", ["not valid TOML"]),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_file_stops_with_one_line(case: str, tmp_path: Path, env: dict[str, str]) -> None:
    text, needles = BAD_FILES[case]
    path = write(tmp_path, text)
    assert_one_line_failure(run(["--config", str(path), "classify", "X"], env),
                            str(path), *needles)


def test_bad_file_through_the_environment(tmp_path: Path, env: dict[str, str]) -> None:
    path = write(tmp_path, "[tags]\nbin = '('\n")
    assert_one_line_failure(run(["classify", "X"], {**env, ENV_VAR: str(path)}), "tags.bin")


def test_not_utf8(tmp_path: Path, env: dict[str, str]) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(b"[terminal]\nid = 'K\xfcche'\n")
    assert_one_line_failure(run(["--config", str(path), "classify", "X"], env), "not UTF-8")


def test_missing_and_unreadable(tmp_path: Path, env: dict[str, str]) -> None:
    missing = tmp_path / "nope.toml"
    assert_one_line_failure(run(["classify", "X", "--config", str(missing)], env),
                            str(missing), "cannot read")
    assert_one_line_failure(run(["--config", str(tmp_path), "classify", "X"], env),
                            "cannot read")  # a directory
    if os.geteuid() != 0:  # root reads anything
        locked = write(tmp_path, "", "locked.toml")
        locked.chmod(0)
        assert_one_line_failure(run(["--config", str(locked), "classify", "X"], env),
                                "cannot read")


def test_good_file_applies(tmp_path: Path, env: dict[str, str]) -> None:
    path = write(tmp_path, "[tags]\nasset = 'MFR-[0-9]{3}'\n")
    done = run(["--config", str(path), "classify", "--json", "MFR-123", "AT00000042"], env)
    assert done.returncode == 0, done.stderr
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert answers == [{"kind": "asset", "serial": "MFR-123"},
                       {"kind": "unknown", "reason": "matches no tag rule"}]
