"""``scanner-tui classify``: the real installed command, run as a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

COMMAND = str(Path(sys.executable).parent / "scanner-tui")
GS = "\x1d"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A clean environment: no config from outside, user folders inside tmp_path."""
    clean = {k: v for k, v in os.environ.items() if k != "SCANNER_TUI_CONFIG"}
    home = tmp_path / "home"
    home.mkdir()
    clean.update(HOME=str(home), XDG_DATA_HOME=str(home / "data"),
                 XDG_CONFIG_HOME=str(home / "config"))
    return clean


def run(args: list, env: dict[str, str], stdin: bytes | None = None,
        cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    done = subprocess.run([COMMAND, *args], input=stdin, capture_output=True, env=env,
                          cwd=cwd, timeout=60)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert b"Traceback" not in done.stderr
    return done


def lines(done: subprocess.CompletedProcess[bytes]) -> list[dict]:
    return [json.loads(line) for line in done.stdout.decode("ascii").splitlines()]


def test_corpus_as_arguments_json(corpus: list[dict], env: dict[str, str]) -> None:
    done = run(["classify", "--json", *(case["payload"] for case in corpus)], env)
    got = lines(done)
    assert len(got) == len(corpus)
    for case, answer in zip(corpus, got, strict=True):
        assert {k: answer.get(k) for k in case["expect"]} == case["expect"], case["name"]


def test_stdin_one_payload_a_line_keeping_cr(env: dict[str, str]) -> None:
    payloads = [b"A04-B-12\r", b"OP-0001", b"", b"]C100009501101530000038",
                b"4006381333932\r", b"\xffbad", b"AT00000042"]
    done = run(["classify", "--json"], env, stdin=b"\n".join(payloads))  # no final LF
    kinds = [answer["kind"] for answer in lines(done)]
    assert kinds == ["bin", "badge", "empty", "container", "unknown", "unknown", "asset"]
    human = run(["classify"], env, stdin=b"A04-B-12\r\nX\n").stdout.decode()
    first, second = human.splitlines()
    assert first.startswith("'A04-B-12\\r'") and "bin=A04-B-12" in first
    assert second.startswith("'X'") and "unknown" in second and "matches no tag rule" in second


def test_human_form_is_safe_for_the_terminal(env: dict[str, str]) -> None:
    payloads = ["\x1b[2J\x1b]0;pwned\x07AT00000042", "[bold red]A04-B-12[/]",
                f"]d201095011010209171727013110LOT42{GS}21SN0001", "\u202eA04-B-12"]
    done = run(["classify", *payloads], env)
    text = done.stdout.decode("utf-8")
    assert "\x1b" not in text and "\x07" not in text and GS not in text and "\u202e" not in text
    out = text.splitlines()
    assert len(out) == 4
    assert out[0].startswith("'\\x1b[2J\\x1b]0;pwned\\x07AT00000042'")
    assert "terminal escape sequence" in out[0]
    assert "looks like markup" in out[1]
    assert out[2].startswith("']d201095011010209171727013110LOT42\\x1d21SN0001'")
    assert "asset" in out[2] and "serial=SN0001" in out[2] and "expiry=2027-01-31" in out[2]
    assert "\\u202e" in out[3]


def test_long_payload_is_shown_cut(env: dict[str, str]) -> None:
    out = run(["classify", "9" * 5000], env).stdout.decode()
    assert out == f"'{'9' * 100}'... (5000 characters)  unknown  (longer than 256 characters)\n"


def test_undecodable_argument_bytes(env: dict[str, str]) -> None:
    done = subprocess.run([COMMAND.encode(), b"classify", b"--json", b"AB\xff"],
                          capture_output=True, env=env, timeout=60)
    assert done.returncode == 0
    assert lines(done) == [{"kind": "unknown", "reason": "contains bytes that are not text"}]


def test_custom_rules_and_gs_substitute_from_config(tmp_path: Path, env: dict[str, str]) -> None:
    config = tmp_path / "site.toml"
    store = tmp_path / "never.db"
    config.write_text(
        f'[database]\nurl = "sqlite:///{store}"\n'
        '[scanner]\ngs_substitute = "|"\n'
        '[tags]\nbin = "^LOC-[0-9]{3}$"\nbadge = "^EMP[0-9]+$"\nmax_length = 40\n',
        encoding="utf-8",
    )
    payloads = ["LOC-001", "A04-B-12", "EMP42", "]d2010950110102091710L7|21SN1", "X" * 41]
    # --config before the command, after it, and through the environment: same answers
    answers = [
        lines(run(["--config", str(config), "classify", "--json", *payloads], env)),
        lines(run(["classify", "--json", *payloads, "--config", str(config)], env)),
        lines(run(["classify", "--json", *payloads], {**env, "SCANNER_TUI_CONFIG": str(config)})),
    ]
    assert answers[0] == answers[1] == answers[2]
    got = answers[0]
    assert got[0] == {"kind": "bin", "bin": "LOC-001"}
    assert got[1]["kind"] == "unknown"
    assert got[2] == {"kind": "badge", "badge": "EMP42"}
    assert got[3] == {"kind": "asset", "serial": "SN1", "gtin": "09501101020917", "lot": "L7",
                      "symbology": "]d2"}
    assert got[4] == {"kind": "unknown", "reason": "longer than 40 characters"}
    assert not store.exists()  # classify never opens or creates the store


def test_does_not_create_the_default_store(tmp_path: Path, env: dict[str, str]) -> None:
    run(["classify", "A04-B-12"], env, cwd=tmp_path)
    created = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert created == []


def test_no_payloads_and_empty_stdin(env: dict[str, str]) -> None:
    assert run(["classify"], env, stdin=b"").stdout == b""
