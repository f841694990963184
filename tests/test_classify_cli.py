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


def test_new_label_fields_in_json_and_human_form(env: dict[str, str]) -> None:
    payloads = ["a04-b-12", "2012345003453", "]C100009501101530000038020950110102091737" "12",
                "]d2010950110102091710ABC12321SN0001",
                "(01)09501101020917(3103)001234", "(414)0950110153007(254)A04B12",
                "[)>\x1e06\x1d1PLM358DR\x1dSSN1\x1dQ10\x1e\x04"]
    got = lines(run(["classify", "--json", *payloads], env))
    assert got[0] == {"kind": "bin", "bin": "A04-B-12", "caps_lock": True}
    assert got[1] == {"kind": "product", "gtin": "02012345000001", "price": "3.45"}
    assert got[2] == {"kind": "container", "gtin": "09501101020917", "count": 12,
                      "sscc": "009501101530000038", "symbology": "]C1"}
    assert got[3]["lot"] == "ABC12321SN0001"
    assert got[3]["alternative"] == {"kind": "asset", "serial": "SN0001",
                                     "gtin": "09501101020917", "lot": "ABC123",
                                     "symbology": "]d2"}
    assert got[4]["weight"] == "1.234"
    assert got[4]["measures"] == [{"ai": "3103", "what": "net weight", "value": "1.234",
                                   "unit": "kg"}]
    assert got[5] == {"kind": "bin", "gln": "0950110153007", "gln_extension": "A04B12"}
    assert got[6] == {"kind": "asset", "serial": "SN1", "part": "LM358DR", "count": 10}
    human = run(["classify", *payloads], env).stdout.decode("utf-8").splitlines()
    assert human[0] == "'a04-b-12'  bin  bin=A04-B-12  caps_lock=true"
    assert "alternative=[asset serial=SN0001 gtin=09501101020917 lot=ABC123" in human[3]
    assert "measures=3103 net weight 1.234 kg" in human[4]
    assert human[6].startswith("'[)>\\x1e06\\x1d1PLM358DR")  # RS / GS / EOT shown escaped
    assert "\x1e" not in "".join(human) and "\x04" not in "".join(human)


def test_huge_stdin_line_is_streamed_and_capped(env: dict[str, str]) -> None:
    """A 64 MB line costs no more memory than a short one: it is skipped in pieces (the
    child's peak resident size is read by a parent process made for the purpose)."""
    script = (
        "import subprocess, sys, resource\n"
        "size = int(sys.argv[2])\n"
        "proc = subprocess.Popen([sys.argv[1], 'classify', '--json'], stdin=subprocess.PIPE,"
        " stdout=subprocess.PIPE)\n"
        "chunk = b'9' * (1 << 20)\n"
        "for _ in range(size):\n"
        "    proc.stdin.write(chunk)\n"
        "proc.stdin.write(b'\\nA04-B-12\\n'); proc.stdin.close()\n"
        "out = proc.stdout.read(); proc.wait()\n"
        "sys.stdout.write(out.decode() + str(resource.getrusage(resource.RUSAGE_CHILDREN)"
        ".ru_maxrss))\n"
    )

    def peak(megabytes: int) -> tuple[list[str], int]:
        done = subprocess.run([sys.executable, "-c", script, COMMAND, str(megabytes)],
                              capture_output=True, env=env, timeout=120, check=True)
        *answers, rss = done.stdout.decode().splitlines()
        return answers, int(rss)

    answers, big = peak(64)
    assert [json.loads(a) for a in answers] == [
        {"kind": "unknown", "reason": "longer than 256 characters"},
        {"kind": "bin", "bin": "A04-B-12"},
    ]
    _, small = peak(0)
    assert big < small + 16 * 1024, (big, small)  # kB: the line was never held whole


def test_stdin_line_just_under_and_over_the_cap(env: dict[str, str]) -> None:
    from scanner_tui.commands.classify_cmd import line_cap

    cap = line_cap(256)
    over = b"9" * (cap + 5)
    human = run(["classify"], env, stdin=over + b"\n" + b"A04-B-12\n").stdout.decode()
    first, second = human.splitlines()
    assert f"({cap + 5} bytes)" in first and "longer than 256 characters" in first
    assert "bin=A04-B-12" in second
