"""Who may connect: per-device SSH passwords (scrypt hashes), browser pairing tokens, and the
browser side refusing to listen beyond localhost without a way to tell devices apart."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import make_mocked_request

from scanner_tui.serve.child import valid_terminal_id
from scanner_tui.serve.ssh import FloorSSHServer, check_password, hash_password, read_pairs
from scanner_tui.serve.web import FloorWebServer, web_refusal


def test_terminal_ids_are_plain_names():
    assert valid_terminal_id("DOCK-1") and valid_terminal_id("web.2_a")
    for bad in ("", "-x", "a b", "T\x1b[2J", "x" * 33, "ä1", "a/b"):
        assert not valid_terminal_id(bad)


def test_passwords_are_hashed_and_checked_per_device(tmp_path: Path):
    stored = hash_password("correct horse")
    assert "correct" not in stored and stored.startswith("scrypt$")
    assert check_password("correct horse", stored)
    assert not check_password("wrong", stored) and not check_password("x", "garbage")
    file = tmp_path / "passwords"
    file.write_text(f"# devices\nDOCK-1 {stored}\n")
    server = FloorSSHServer(str(tmp_path / "none"), str(file))
    assert server.password_auth_supported()
    assert server.validate_password("DOCK-1", "correct horse")
    assert not server.validate_password("DOCK-2", "correct horse")
    assert not FloorSSHServer("", "").password_auth_supported()


def test_set_password_command_writes_a_hash(tmp_path: Path):
    from typer.testing import CliRunner

    from scanner_tui.cli import app

    cfg = tmp_path / "c.toml"
    pw = tmp_path / "pw"
    cfg.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "s.db"}"\n'
                   f'[serve]\npasswords = "{pw}"\n')
    result = CliRunner().invoke(app, ["--config", str(cfg), "terminals", "--password",
                                      "DOCK-1"], input="long enough\n")
    assert result.exit_code == 0, result.output
    assert check_password("long enough", read_pairs(str(pw))["DOCK-1"])
    assert pw.stat().st_mode & 0o077 == 0
    short = CliRunner().invoke(app, ["--config", str(cfg), "terminals", "--password",
                                     "DOCK-1"], input="short\n")
    assert short.exit_code == 2


def test_web_listens_beyond_localhost_only_with_tokens_or_a_proxy(tmp_path: Path):
    tokens = tmp_path / "tokens"
    assert web_refusal("127.0.0.1:8080", "", False) is None
    assert web_refusal("localhost:8080", "", False) is None
    assert "web_tokens" in web_refusal("0.0.0.0:8080", "", False)
    assert web_refusal("0.0.0.0:8080", "", True) is None
    tokens.write_text("a1b2c3 WEB-1\n")
    assert web_refusal("0.0.0.0:8080", str(tokens), False) is None


@pytest.mark.parametrize(("query", "cookie", "expected"), [
    ("?token=a1b2c3", "", "WEB-1"),
    ("", "a1b2c3", "WEB-1"),
    ("?token=nope", "", None),
    ("?terminal=WEB-9", "", None),  # with tokens, a name alone is not enough
])
def test_pairing_tokens_name_the_terminal(tmp_path: Path, query, cookie, expected):
    tokens = tmp_path / "tokens"
    tokens.write_text("a1b2c3 WEB-1\n")
    server = FloorWebServer("127.0.0.1:1", str(tokens), lambda t: ["true"])
    headers = {"Cookie": f"scanner_tui_token={cookie}"} if cookie else {}
    request = make_mocked_request("GET", "/" + query, headers=headers)
    assert server.terminal_of(request) == expected


def test_without_tokens_a_valid_terminal_name_is_needed(tmp_path: Path):
    server = FloorWebServer("127.0.0.1:1", "", lambda t: ["true"])
    assert server.terminal_of(make_mocked_request("GET", "/?terminal=WEB-2")) == "WEB-2"
    assert server.terminal_of(make_mocked_request("GET", "/?terminal=%1b")) is None
    assert server.terminal_of(make_mocked_request("GET", "/")) is None


@pytest.mark.parametrize(("args", "said"), [
    (["--ssh", "nonsense"], "--ssh: 'nonsense' should be HOST:PORT"),
    (["--ssh", "", "--web", ""], "nothing to serve"),
    (["--ssh", "", "--web", "0.0.0.0:18080"], "listens beyond this machine"),
])
def test_serve_refuses_a_bad_listener_in_one_line(tmp_path: Path, args, said):
    from typer.testing import CliRunner

    from scanner_tui.cli import app

    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "s.db"}"\n')
    result = CliRunner().invoke(app, ["--config", str(cfg), "serve", *args])
    assert result.exit_code == 2
    assert said in result.output and "Traceback" not in result.output
