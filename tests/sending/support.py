"""Helpers for the sending tests: the emulator and service processes, guests, assertions."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import Engine, create_engine, text

from app.devstack import ManagedProcess, local_bind, wait_for_http, web_command, worker_command
from app.embedded import free_port
from app.emulator.config import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN
from tests.support.emulator import authorized, control_env

SENDER = "whatsapp:+14155238886"
TEMPLATE_SID = "HX" + "0123456789abcdef" * 2
# US numbers +1 202 2xx xxxx pass the emulator's strict phonenumbers check.
FIRST_NUMBER = 2_000_000


def phone(index: int) -> str:
    """The E.164 number of the index-th test guest."""
    return f"+1202{FIRST_NUMBER + index:07d}"


def eventually(check: Callable[[], bool], timeout: float, interval: float = 0.1) -> bool:
    """Poll `check` until it holds or `timeout` passes; return its last answer."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)
    return True


@dataclass
class EmulatorHandle:
    """A running emulator process: base URL and control endpoints."""

    url: str
    process: ManagedProcess
    session: requests.Session = field(default_factory=requests.Session)

    def get(self, path: str, **params: str) -> Any:
        """GET a control endpoint under /_emulator."""
        response = self.session.get(
            f"{self.url}/_emulator{path}", params=params, headers=authorized(), timeout=30
        )
        response.raise_for_status()
        return response.json()

    def post(self, path: str, body: Mapping[str, Any] | None = None) -> Any:
        """POST JSON to a control endpoint under /_emulator."""
        response = self.session.post(
            f"{self.url}/_emulator{path}", json=dict(body or {}), headers=authorized(), timeout=30
        )
        assert response.status_code == 200, response.text
        return response.json()

    def configure(self, **knobs: Any) -> Any:
        """Patch emulator knobs at runtime."""
        return self.post("/config", knobs)

    def reset(self) -> None:
        """Forget messages and counters; restore the start configuration."""
        self.post("/reset", {"config": True})

    def counts(self) -> dict[str, int]:
        """Accepted messages per `To` address."""
        counts: dict[str, int] = self.get("/counts")["counts"]
        return counts

    def messages(self) -> list[dict[str, Any]]:
        """Every accepted message with its request parameters."""
        found: list[dict[str, Any]] = self.get("/messages")["messages"]
        return found

    def create(self, **form: str) -> requests.Response:
        """Create a message directly through the REST API (as if someone else sent it)."""
        url = f"{self.url}/2010-04-01/Accounts/{DEFAULT_ACCOUNT_SID}/Messages.json"
        return self.session.post(
            url, data=form, auth=(DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN), timeout=30
        )


def start_emulator(log_dir: Path, env: Mapping[str, str], *args: str) -> EmulatorHandle:
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
    return EmulatorHandle(url, process)


def service_env(
    base: Mapping[str, str], emulator_url: str, web_url: str, **extra: str
) -> dict[str, str]:
    """The environment of gunicorn and the worker in these tests."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TWILIO_", "SEND_", "EMULATOR_"))
    }
    env.update(base)
    env.update(
        {
            "TWILIO_API_BASE_URL": emulator_url,
            "TWILIO_ACCOUNT_SID": DEFAULT_ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": DEFAULT_AUTH_TOKEN,
            "TWILIO_WHATSAPP_FROM": SENDER,
            "TWILIO_INVITE_CONTENT_SID": TEMPLATE_SID,
            "PUBLIC_BASE_URL": web_url,
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


def start_web(log_dir: Path, env: Mapping[str, str], port: int) -> ManagedProcess:
    """Start gunicorn as the Procfile does, on `port`, and wait for /health."""
    web_env = {**env, "PORT": str(port), "WEB_CONCURRENCY": "1", "GUNICORN_ACCESS_LOG": "/dev/null"}
    command = web_command(local_bind(web_env))
    process = ManagedProcess("web", command, web_env, log_dir / "web.log").start()
    try:
        wait_for_http(f"http://127.0.0.1:{port}/health", timeout=60, process=process)
    except BaseException:
        process.stop(timeout=10)
        raise
    return process


def start_worker(log_dir: Path, env: Mapping[str, str], name: str = "worker") -> ManagedProcess:
    """Start `python -m worker` as the Procfile does."""
    return ManagedProcess(name, worker_command(), env, log_dir / f"{name}.log").start()


def descendants(pid: int) -> list[int]:
    """Every descendant process id of `pid`, from /proc (children first)."""
    found: list[int] = []
    pending = [pid]
    while pending:
        parent = pending.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            children = (
                (task / "children").read_text().split() if (task / "children").exists() else []
            )
            for child in map(int, children):
                found.append(child)
                pending.append(child)
    return found


def kill_hard(process: ManagedProcess) -> None:
    """`kill -9` the worker and every process it forked (RQ's horse has its own group)."""
    family = descendants(process.pid)
    process.kill()
    for pid in family:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def insert_guests(database_url: str, count: int, event_name: str = "Gala", start: int = 0) -> int:
    """Create an event with `count` guests directly in SQL; return the event id."""
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            event_id = connection.execute(
                text(
                    "INSERT INTO events (name, starts_at, venue) "
                    "VALUES (:n, now() + interval '30 days', 'Hall') RETURNING id"
                ),
                {"n": event_name},
            ).scalar_one()
            connection.execute(
                text(
                    "INSERT INTO guests (event_id, name, phone, variables) "
                    "SELECT :e, 'Guest ' || n, '+1202' || lpad((:first + n)::text, 7, '0'), '{}' "
                    "FROM generate_series(:start, :stop - 1) AS n"
                ),
                {"e": event_id, "first": FIRST_NUMBER, "start": start, "stop": start + count},
            )
    finally:
        engine.dispose()
    return int(event_id)


def scalar(engine: Engine, sql: str, **params: Any) -> Any:
    """One value from a query."""
    with engine.connect() as connection:
        return connection.execute(text(sql), params).scalar()


def assert_exactly_once(
    engine: Engine, emulator: EmulatorHandle, event_id: int, guests: int
) -> None:
    """Every guest has exactly one accepted message at the provider, recorded with its SID."""
    counts = emulator.counts()
    expected = {f"whatsapp:{phone(i)}" for i in range(guests)}
    duplicates = {to: n for to, n in counts.items() if n != 1}
    assert not duplicates, (
        f"{len(duplicates)} guests got more than one message: {list(duplicates.items())[:5]}"
    )
    missing = expected - set(counts)
    assert not missing, f"{len(missing)} guests got no message, e.g. {sorted(missing)[:5]}"
    assert set(counts) == expected
    sids = {m["sid"]: m["to"] for m in emulator.messages()}
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT g.phone, i.send_state, i.message_sid FROM invitations i "
                "JOIN guests g ON g.id = i.guest_id WHERE i.event_id = :e"
            ),
            {"e": event_id},
        ).all()
    assert len(rows) == guests
    not_accepted = [row for row in rows if row.send_state != "accepted"]
    assert not not_accepted, (
        f"{len(not_accepted)} invitations not accepted, e.g. {not_accepted[:3]}"
    )
    wrong = [row for row in rows if sids.get(row.message_sid) != f"whatsapp:{row.phone}"]
    assert not wrong, f"{len(wrong)} invitations recorded a SID that is not theirs: {wrong[:3]}"
