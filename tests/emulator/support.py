"""Helpers for the emulator tests: start/stop the process, call it, receive its webhooks."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import requests

from app.emulator.config import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN
from tests.support.emulator import authorized, control_env

ROOT = Path(__file__).resolve().parents[2]
LISTENING = re.compile(r"listening on (http://\S+)")
START_TIMEOUT = 20.0
SENDER = "whatsapp:+14155238886"
TEMPLATE_SID = "HX" + "0123456789abcdef" * 2


def eventually(check: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Poll `check` until it holds or `timeout` passes; return its last answer."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def start_emulator(
    log_path: Path, *args: str, extra_env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """Start `python -m app.emulator --port 0 ...` with the tests' control token (unless
    `extra_env` says otherwise); return the process and its URL."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("EMULATOR_")}
    env.update(control_env())
    env.update(extra_env or {})
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["PYTHONWARNINGS"] = "error"  # a warning inside the emulator fails the request loudly
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "app.emulator", "--port", "0", *args],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        found = LISTENING.search(log_path.read_text(errors="replace"))
        if found:
            return process, found.group(1)
        if process.poll() is not None:
            break
        time.sleep(0.05)
    process.kill()
    process.wait()
    raise RuntimeError(f"emulator did not start:\n{log_path.read_text(errors='replace')}")


def stop_emulator(process: subprocess.Popen[bytes]) -> int:
    """Stop the emulator with SIGTERM; return its exit status."""
    process.terminate()
    try:
        return process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise


@dataclass
class Emulator:
    """A running emulator: its base URL and its control endpoints."""

    url: str
    account_sid: str = DEFAULT_ACCOUNT_SID
    auth_token: str = DEFAULT_AUTH_TOKEN
    session: requests.Session = field(default_factory=requests.Session)

    @property
    def auth(self) -> tuple[str, str]:
        """Return the Basic auth credentials."""
        return (self.account_sid, self.auth_token)

    @property
    def messages_url(self) -> str:
        """Return the Messages collection URL."""
        return f"{self.url}/2010-04-01/Accounts/{self.account_sid}/Messages.json"

    def get(self, path: str, **params: str) -> Any:
        """GET a control endpoint, e.g. `/stats`; return its JSON."""
        response = self.session.get(
            f"{self.url}/_emulator{path}", params=params, headers=authorized(), timeout=10
        )
        response.raise_for_status()
        return response.json()

    def post(self, path: str, body: dict[str, Any] | None = None) -> requests.Response:
        """POST JSON to a control endpoint."""
        return self.session.post(
            f"{self.url}/_emulator{path}", json=body or {}, headers=authorized(), timeout=30
        )

    def configure(self, **knobs: Any) -> dict[str, Any]:
        """Patch knobs at runtime; return the whole configuration."""
        response = self.post("/config", knobs)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    def create(self, **form: str) -> requests.Response:
        """POST a raw create-message form with the right credentials."""
        return self.session.post(self.messages_url, data=form, auth=self.auth, timeout=30)


@dataclass
class Received:
    """One webhook request the receiver got."""

    path: str
    url: str
    headers: dict[str, str]
    form: dict[str, str]


class Receiver:
    """A small HTTP server recording the webhooks the emulator posts to it."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.statuses: dict[str, int] = {}
        self.answers: dict[str, bytes] = {}
        self.condition = threading.Condition()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler_class())
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        """Return a request handler class bound to this receiver."""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length).decode()
                receiver.record(self.path, dict(self.headers.items()), body)
                path = self.path.split("?")[0]
                status = receiver.statuses.get(path, 200)
                payload = receiver.answers.get(path, b"<Response/>") if status == 200 else b"oops"
                self.send_response(status)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                """Keep the test output quiet."""

        return Handler

    def record(self, path: str, headers: dict[str, str], body: str) -> None:
        """Store one request and wake up waiters."""
        form = dict(parse_qsl(body, keep_blank_values=True))
        with self.condition:
            self.requests.append(Received(path, self.base_url + path, headers, form))
            self.condition.notify_all()

    def wait_for(
        self, count: int, path: str | None = None, timeout: float = 10.0
    ) -> list[Received]:
        """Wait until `count` requests (to `path`, if given) arrived; return them."""

        def matching() -> list[Received]:
            return [r for r in self.requests if path is None or r.path.split("?")[0] == path]

        with self.condition:
            self.condition.wait_for(lambda: len(matching()) >= count, timeout=timeout)
            found = matching()
        assert len(found) >= count, f"got {len(found)} of {count} webhooks: {found}"
        return found
