"""The emulator the tests start: its control token, its process, and a client of its endpoints.

Two ways to start one: `start_emulator` runs `python -m app.emulator --port 0` and reads the
port it logs (the emulator's own tests, which also stop it by signal); `launch_emulator`
runs it as the local stack does, on a free port, and waits for its health endpoint.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from app.devstack import ManagedProcess, wait_for_http
from app.devstack.embedded import free_port
from app.emulator.access import control_headers
from app.emulator.config import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN

ROOT = Path(__file__).resolve().parents[2]
# One per test run: the emulators' control endpoints refuse anyone else on this machine.
CONTROL_TOKEN = secrets.token_urlsafe(32)
LISTENING = re.compile(r"listening on (http://\S+)")
START_TIMEOUT = 20.0


def control_env() -> dict[str, str]:
    """Return the environment that gives an emulator the tests' control token."""
    return {"EMULATOR_CONTROL_TOKEN": CONTROL_TOKEN}


def authorized() -> dict[str, str]:
    """Return the headers that open an emulator's control endpoints."""
    return control_headers(CONTROL_TOKEN)


@dataclass
class Emulator:
    """A running emulator: its Messages API and its control endpoints under /_emulator."""

    url: str
    process: ManagedProcess | None = None  # when started by launch_emulator
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
            f"{self.url}/_emulator{path}", params=params, headers=authorized(), timeout=30
        )
        response.raise_for_status()
        return response.json()

    def post(self, path: str, body: Mapping[str, Any] | None = None) -> requests.Response:
        """POST JSON to a control endpoint; return the response, whatever its status."""
        return self.session.post(
            f"{self.url}/_emulator{path}", json=dict(body or {}), headers=authorized(), timeout=30
        )

    def control(self, path: str, body: Mapping[str, Any] | None = None) -> Any:
        """POST JSON to a control endpoint, which must answer 200; return its JSON."""
        response = self.post(path, body)
        assert response.status_code == 200, response.text
        return response.json()

    def configure(self, **knobs: Any) -> Any:
        """Patch knobs at runtime; return the whole configuration."""
        return self.control("/config", knobs)

    def reset(self) -> None:
        """Forget messages and counters; restore the start configuration."""
        self.control("/reset", {"config": True})

    def counts(self) -> dict[str, int]:
        """Accepted messages per `To` address."""
        counts: dict[str, int] = self.get("/counts")["counts"]
        return counts

    def messages(self) -> list[dict[str, Any]]:
        """Every accepted message with its request parameters."""
        found: list[dict[str, Any]] = self.get("/messages")["messages"]
        return found

    def create(self, **form: str) -> requests.Response:
        """POST a create-message form with the right credentials (as if someone else sent it)."""
        return self.session.post(self.messages_url, data=form, auth=self.auth, timeout=30)


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


def launch_emulator(log_dir: Path, env: Mapping[str, str], *args: str) -> Emulator:
    """Start `python -m app.emulator` on a free port, with the tests' control token, and wait
    until it answers."""
    port = free_port()
    clean = {k: v for k, v in env.items() if not k.startswith("EMULATOR_")} | control_env()
    argv = [sys.executable, "-m", "app.emulator", "--host", "127.0.0.1", "--port", str(port), *args]
    process = ManagedProcess("emulator", argv, clean, log_dir / "emulator.log").start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{url}/_emulator/health", timeout=30, process=process)
    except BaseException:
        process.stop(timeout=10)
        raise
    return Emulator(url, process)
