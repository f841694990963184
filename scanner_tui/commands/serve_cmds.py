"""``scanner-tui serve`` (many terminals on one host: SSH and the browser) and
``scanner-tui terminals`` (which terminal, who, what task, since when, last scan)."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import typer
from platformdirs import user_data_dir

from scanner_tui.commands.common import Context, context, fail, json_line, say


def register(app: typer.Typer) -> None:
    """Add ``serve`` and ``terminals`` to the app."""
    app.command("serve")(serve_command)
    app.command("terminals")(terminals_command)


def data_path(configured: str, name: str) -> Path:
    """A [serve] path, or ``name`` in the per-user data folder when it is not set."""
    if configured:
        return Path(configured).expanduser()
    return Path(user_data_dir("scanner-tui", appauthor=False)) / name


def serve_command(
    ctx: typer.Context,
    ssh: str | None = typer.Option(None, "--ssh", metavar="HOST:PORT",
                                   help='SSH listener (else serve.ssh; "" for none).'),
    web: str | None = typer.Option(None, "--web", metavar="HOST:PORT",
                                   help='Browser listener (else serve.web; "" off).'),
) -> None:
    """Host the floor app for many terminals: SSH (user name = terminal id) and the browser."""
    import asyncio

    from pydantic import ValidationError

    from scanner_tui.config import ServeConfig

    c = context(ctx)
    c.creates_store = True  # like `run`: the host may start on a new, empty store
    config = c.config
    try:
        serve = ServeConfig.model_validate({
            **config.serve.model_dump(),
            **({"ssh": ssh} if ssh is not None else {}),
            **({"web": web} if web is not None else {})})
    except ValidationError as exc:
        first = exc.errors()[0]
        fail(f"--{first['loc'][0]}: {first['msg'].removeprefix('Value error, ')}", code=2)
    if not serve.ssh and not serve.web:
        fail("nothing to serve: give [serve] ssh or [serve] web", code=2)
    c.engine.dispose()  # the store is migrated now; each terminal opens its own connection
    try:
        asyncio.run(_serve(c, serve))
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        fail(f"cannot listen: {exc.strerror or exc}", code=1)


async def _serve(c: Context, serve) -> None:  # noqa: ANN001
    import asyncio
    import signal

    from scanner_tui.serve.launch import Launcher

    launcher = Launcher(c.config_path, fork=serve.fork)

    listeners = []  # stopped first, so no device starts while the others end
    closers = []
    if serve.web:
        from scanner_tui.serve.web import FloorWebServer, start_web, web_refusal

        tokens = str(data_path(serve.web_tokens, "web_tokens")) if serve.web_tokens else ""
        refusal = web_refusal(serve.web, tokens, serve.web_behind_proxy)
        if refusal:
            fail(refusal, code=2)
        launcher.warm_up()
        runner = await start_web(FloorWebServer(serve.web, tokens, launcher))

        async def close_web() -> None:
            for site in list(runner.sites):
                await site.stop()

        listeners.append(close_web)
        closers.append(runner.cleanup)
        say(f"Browser terminals: http://{serve.web}/"
            + ("?token=TOKEN" if tokens else "?terminal=TERMINAL-ID"))
    if serve.ssh:
        from scanner_tui.serve.ssh import start_ssh

        keys = data_path(serve.authorized_keys, "authorized_keys")
        host_key = data_path(serve.host_key, "ssh_host_key")
        passwords = str(data_path(serve.passwords, "passwords")) if serve.passwords else ""
        launcher.warm_up()
        acceptor = await start_ssh(serve.ssh, host_key, str(keys), passwords, launcher)
        host, _, port = serve.ssh.rpartition(":")
        from scanner_tui.serve.ssh import ensure_host_key

        fingerprint = ensure_host_key(host_key).get_fingerprint()
        say(f"SSH terminals: ssh -p {port} TERMINAL-ID@{host} (device keys: {keys}; "
            f"host key {fingerprint})")

        async def close_ssh() -> None:
            acceptor.close()

        listeners.append(close_ssh)
        closers.append(acceptor.wait_closed)
    sys.stdout.flush()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    # the end is bounded: every app is hung up at once, as a dropped line would (it answers
    # the scans it read and keeps its place), and killed if it lingers (launch.END_GRACE)
    for close in listeners:
        await close()
    await launcher.end_all()
    for close in closers:
        await close()


def _when(at: datetime | None) -> str | None:
    return at.isoformat(timespec="seconds") if at else None


def terminals_command(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="JSON instead of text."),
    password: str | None = typer.Option(
        None, "--password", metavar="TERMINAL-ID",
        help="Set the SSH password of a device (read from stdin) into the serve.passwords file."),
) -> None:
    """Which terminal, who is signed in, what task, since when, the last scan, what it holds."""
    c = context(ctx)
    if password is not None:
        _set_password(c, password)
        return
    from scanner_tui.inventory.claims import claims_of
    from scanner_tui.inventory.models import utcnow
    from scanner_tui.inventory.sessions import TerminalSession, list_sessions

    try:
        sessions = list_sessions(c.engine)
        held = claims_of(c.engine)
    except Exception as exc:  # noqa: BLE001
        from scanner_tui.commands.common import fail_store

        fail_store(exc)
    known = {s.terminal for s in sessions}  # a claim of a terminal never kept is listed too
    sessions += [TerminalSession(t) for t in sorted({h.terminal for h in held} - known)]
    now, minutes = utcnow(), c.config.serve.resume_minutes
    rows = []
    for s in sessions:
        gone = s.updated_at is None or not s.resumable(now, minutes)
        docs = [{"kind": h.kind, "code": h.code, "badge": h.badge, "since": _when(h.since),
                 "abandoned": gone} for h in held if h.terminal == s.terminal
                and h.kind != "badge"]
        rows.append({"terminal": s.terminal, "badge": s.badge or None,
                     "task": s.task or None, "since": _when(s.signed_in_at),
                     "updated": _when(s.updated_at), "last_scan": s.last_scan or None,
                     "last_scan_at": _when(s.last_scan_at), "holds": docs})
    if as_json:  # JSON Lines, one terminal a line, like every --json stream
        for r in rows:
            typer.echo(json_line(r))
        return
    if not rows:
        say("No terminal has connected to this store yet.")
        return
    say(f"{'TERMINAL':<12} {'WHO':<9} {'TASK':<10} {'SINCE':<16} LAST SCAN")
    for r in rows:
        since = (r["since"] or "")[:16].replace("T", " ")
        last = (r["last_scan"] or "-") + (f" at {r['last_scan_at'][11:19]}"
                                           if r["last_scan_at"] else "")
        line = (f"{r['terminal']:<12} {r['badge'] or '-':<9} {r['task'] or '-':<10} "
                f"{since or '-':<16} {last}")
        for h in r["holds"]:
            line += (f"  holds {h['kind']} {h['code']} since {h['since'][11:16]}"
                     + (" (abandoned: anyone may take it)" if h["abandoned"] else ""))
        say(line)


def _set_password(c: Context, terminal: str) -> None:
    from scanner_tui.serve.child import valid_terminal_id
    from scanner_tui.serve.ssh import hash_password, read_pairs

    if not valid_terminal_id(terminal):
        fail("a terminal id is letters, digits, '.', '_' and '-' (at most 32)", code=2)
    secret = sys.stdin.readline().rstrip("\n")
    if len(secret) < 8:
        fail("a password needs at least 8 characters", code=2)
    path = data_path(c.config.serve.passwords, "passwords")
    pairs = read_pairs(str(path))
    pairs[terminal] = hash_password(secret)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{k} {v}\n" for k, v in sorted(pairs.items())), encoding="utf-8")
    path.chmod(0o600)
    say(f"Password set for {terminal} in {path}"
        + ("" if c.config.serve.passwords else " (set [serve] passwords to this path)"))
