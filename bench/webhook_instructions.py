"""Instructions per webhook inside the app: a figure that a busy machine does not move.

Run from the repository root: `python -m bench.webhook_instructions [--kinds status,...]
[--requests 300]` (needs valgrind: `apt-get install valgrind`).

On a small shared machine, req/s and CPU seconds move by 10-20% from one run to the next,
which hides a change worth 3%. This counts instead: for each webhook kind of `wrk_load`
(signed, unique forms, one guest of 1,000 each), a child process builds the app as
production does, sends it 100 requests to warm up and builds N more, and valgrind's
callgrind counts the instructions it ran. Both runs build the same N signed requests; one
sends none of them through the app's WSGI callable (no gunicorn, no socket), the other all:
the difference divided by N is what one webhook costs the app (Flask, the signature, the
reader, SQLAlchemy and psycopg2's side of the statement; not PostgreSQL, not gunicorn).
The kind `access line` counts, the same way, what gunicorn's access log (`logger_class`,
app/access_log.py) spends on one webhook's line, written to a file.
Two commits are compared by running this in each (`git worktree add`). Written to
bench/results/webhook_instructions.json.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

RESULTS = Path("bench/results")
KINDS = ("status", "inbound button", "inbound text", "inbound reply", "access line")
ACCESS_LINE = "access line"
WARM_UP = 100
BASE = "http://127.0.0.1:5000"


def main(argv: list[str] | None = None) -> int:
    """Count each kind with and without the measured requests; print and save."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kinds", default=",".join(KINDS), help="comma separated")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--json", type=Path, default=RESULTS / "webhook_instructions.json")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)  # KIND BUILT SENT
    args = parser.parse_args(argv)
    if args.child:
        run_child = access_lines if args.child[0] == ACCESS_LINE else child
        run_child(args.child[0], int(args.child[1]), int(args.child[2]))
        return 0
    if not shutil.which("valgrind"):
        print("valgrind is not installed (apt-get install valgrind)")
        return 2
    figures = {}
    for kind in args.kinds.split(","):
        without = instructions(kind, args.requests, sent=False)
        with_requests = instructions(kind, args.requests, sent=True)
        figures[kind] = round((with_requests - without) / args.requests)
        print(f"{kind:15s} {figures[kind]:>12,} instructions per webhook", flush=True)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps({"requests": args.requests, "instructions_per_webhook": figures}, indent=2)
    )
    return 0


def instructions(kind: str, requests: int, sent: bool) -> int:
    """What callgrind counted for a child that builds `requests` webhooks of `kind` and
    sends them, or not."""
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "callgrind.log"
        command = ["valgrind", "--tool=callgrind", f"--log-file={log}"]
        command += [f"--callgrind-out-file={Path(tmp) / 'callgrind.out'}"]
        command += [sys.executable, "-m", "bench.webhook_instructions"]
        command += ["--child", kind, str(requests), str(requests if sent else 0)]
        # A fixed hash seed: sets and dicts of strings iterate alike in both runs.
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)
        found = re.search(r"Collected : (\d+)", log.read_text())
    if found is None:
        raise RuntimeError(f"callgrind counted nothing for {kind}")
    return int(found[1])


def child(kind: str, built: int, sent: int) -> None:
    """Build the app as production does, warm it up, build `built` signed webhooks and send
    `sent` of them (run under valgrind: both runs build the same, only the sending differs)."""
    from app.devstack import run_release
    from bench.wrk_load import AUTH_TOKEN, kinds, seed, webhook_server_env
    from tests.support.services import provide_services
    from tests.support.webhooks import sign

    with tempfile.TemporaryDirectory() as tmp, provide_services(Path(tmp)) as services:
        env = {**webhook_server_env(services, 1), "PUBLIC_BASE_URL": BASE}
        run_release(env)
        sids = seed(services.database_url)
        os.environ.update(env)
        from app import create_app

        app = create_app()
        _server, route, make = kinds(sids)[kind]

        def environ(n: int) -> dict[str, Any]:
            form = make(n)
            body = urlencode(form).encode()
            return {
                "REQUEST_METHOD": "POST",
                "PATH_INFO": route,
                "QUERY_STRING": "",
                "SERVER_NAME": "127.0.0.1",
                "SERVER_PORT": "5000",
                "SERVER_PROTOCOL": "HTTP/1.1",
                "HTTP_HOST": "127.0.0.1:5000",
                "REMOTE_ADDR": "127.0.0.1",
                "CONTENT_TYPE": "application/x-www-form-urlencoded",
                "CONTENT_LENGTH": str(len(body)),
                "HTTP_X_TWILIO_SIGNATURE": sign(BASE + route, form, AUTH_TOKEN),
                "wsgi.input": io.BytesIO(body),
                "wsgi.url_scheme": "http",
                "wsgi.errors": sys.stderr,
                "wsgi.multithread": False,
                "wsgi.multiprocess": True,
                "wsgi.run_once": False,
                "wsgi.version": (1, 0),
            }

        def start_response(status: str, headers: list, exc_info: Any = None) -> None:
            if not status.startswith("200"):
                raise RuntimeError(f"{kind} answered {status}")

        for request in [environ(n) for n in range(WARM_UP)]:
            b"".join(app(request, start_response))
        measured = [environ(WARM_UP + n) for n in range(built)]
        for request in measured[:sent]:
            b"".join(app(request, start_response))


def access_lines(kind: str, built: int, sent: int) -> None:
    """Warm up gunicorn's access logger as the server sets it up, then log `sent` of `built`
    status callbacks' lines to a file (the same environ for each; its duration varies)."""
    from datetime import timedelta
    from types import SimpleNamespace

    from gunicorn.config import Config

    from app.access_log import JsonAccessLogger

    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/webhooks/twilio/status",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_USER_AGENT": "TwilioProxy/1.1",
    }
    response = SimpleNamespace(status_code=200, sent=187)
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Config()
        cfg.set("accesslog", str(Path(tmp) / "access.log"))
        logger = JsonAccessLogger(cfg)
        for n in range(WARM_UP):
            logger.access(response, None, environ, timedelta(microseconds=1000 + n))
        durations = [timedelta(microseconds=2000 + n) for n in range(built)]
        for duration in durations[:sent]:
            logger.access(response, None, environ, duration)


if __name__ == "__main__":
    raise SystemExit(main())
