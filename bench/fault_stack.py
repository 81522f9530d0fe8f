"""The fault suite's stack: its own Redis, PostgreSQL behind a proxy, one worker, two events.

A scratch PostgreSQL database is reached through a TCP proxy (so that PostgreSQL can go
away: every connection cut, new ones refused, then back), Redis is the stack's own (so
that it can be flushed, stopped and started empty), and the Twilio emulator answers every
delivered invitation with a button tap on that very message. ONE `python -m worker` runs
with no supervisor: a process that exits by itself stays dead.
"""

from __future__ import annotations

import sys
import urllib.request
from pathlib import Path

import redis
from sqlalchemy.engine import make_url

from app.devstack import (
    ManagedProcess,
    local_bind,
    run_release,
    wait_for_http,
    web_command,
    worker_command,
)
from app.devstack.embedded import EmbeddedServices, free_port, start_redis
from bench.emulator import emulator_env, get_json
from bench.procfs import kill_hard
from bench.stack import ACCOUNT, AUTH_TOKEN, SENDER, TEMPLATE, insert_guests
from tests.support.proxy import TcpProxy

TOKEN = "bench-token"
FIRST_NUMBER = 3_000_000
EVENTS = ("Gala", "Picnic")


class Stack:
    """One scenario's processes and dependencies."""

    def __init__(self, work: Path, database_url: str, guests: int, emulator_args: list[str]):
        self.work = work
        self.guests = guests
        url = make_url(database_url)
        self.proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
        self.proxy.start()
        self.database_url = url.set(host="127.0.0.1", port=self.proxy.port).render_as_string(
            hide_password=False
        )
        self.direct_url = database_url
        self.redis = EmbeddedServices()
        self.redis_port = free_port()
        self.redis_url = start_redis(self.redis, work / "redis", port=self.redis_port)
        web_port, emulator_port = free_port(), free_port()
        self.base = f"http://127.0.0.1:{web_port}"
        self.emulator_url = f"http://127.0.0.1:{emulator_port}"
        self.env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "APP_ENV": "test",
            "SECRET_KEY": "bench-faults",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "API_TOKEN": TOKEN,
            "LOG_LEVEL": "INFO",
            "PORT": str(web_port),
            "WEB_CONCURRENCY": "1",
            "GUNICORN_ACCESS_LOG": "/dev/null",
            "PUBLIC_BASE_URL": self.base,
            "TWILIO_API_BASE_URL": self.emulator_url,
            "TWILIO_ACCOUNT_SID": ACCOUNT,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_WHATSAPP_FROM": SENDER,
            "TWILIO_INVITE_CONTENT_SID": TEMPLATE,
            "TWILIO_REQUEST_TIMEOUT": "2",
            "SEND_RATE_PER_SECOND": "200",
            "SEND_MAX_IN_FLIGHT": "100",
            "SEND_RECONCILE_GRACE": "1",
            "SEND_LEASE_SECONDS": "8",
            "SEND_SWEEP_INTERVAL": "2",
            "SEND_BACKOFF_BASE": "0.5",
            "SEND_BACKOFF_MAX": "4",
            "DB_CONNECT_TIMEOUT": "3",
        }
        run_release(self.env)
        emulator_command = [
            sys.executable,
            *("-m", "app.emulator", "--port", str(emulator_port)),
            *("--latency", "0.05-0.2", "--callback-delay", "0.2-1"),
            *("--inbound-url", f"{self.base}/webhooks/twilio/inbound"),
            *("--auto-reply", "random", "--auto-reply-delay", "0.5-2"),
            *emulator_args,
        ]
        self.emulator = ManagedProcess(
            "emulator", emulator_command, emulator_env(self.env["PATH"]), work / "emulator.log"
        ).start()
        self.web = ManagedProcess(
            "web", web_command(local_bind(self.env)), self.env, work / "web.log"
        ).start()
        wait_for_http(f"{self.emulator_url}/_emulator/health", 30, self.emulator)
        wait_for_http(f"{self.base}/health", 60, self.web)
        self.workers = [self.start_worker()]
        self.killed = 0

    def start_worker(self) -> ManagedProcess:
        """Start a worker as the Procfile does."""
        name = f"worker{len(getattr(self, 'workers', []))}"
        return ManagedProcess(name, worker_command(), self.env, self.work / f"{name}.log").start()

    @property
    def worker(self) -> ManagedProcess:
        """The worker running now."""
        return self.workers[-1]

    def kill_worker(self) -> None:
        """`kill -9` the worker (and its horse and sweeper), then start a new one."""
        kill_hard(self.worker)
        self.killed += 1
        self.workers.append(self.start_worker())

    def accepted(self) -> int:
        """Messages the provider accepted so far."""
        return int(get_json(f"{self.emulator_url}/_emulator/stats")["accepted_total"])

    def redis_client(self) -> redis.Redis:
        """A client of this stack's Redis."""
        return redis.Redis.from_url(self.redis_url, socket_connect_timeout=2)

    def stop_redis(self) -> None:
        """Redis goes away (its data with it: it keeps nothing on disk)."""
        self.redis.stop()

    def start_redis(self) -> None:
        """Redis comes back, empty, on the same port."""
        start_redis(self.redis, self.work / "redis", port=self.redis_port)

    def stop(self) -> None:
        """Stop every process, then the dependencies."""
        for process in [*reversed(self.workers), self.web, self.emulator]:
            process.stop(timeout=40)
        self.redis.stop()
        self.proxy.stop()


def seed_events(database_url: str, guests: int) -> list[int]:
    """Two events whose guests have the same phone numbers; their ids."""
    return [insert_guests(database_url, guests, name, FIRST_NUMBER) for name in EVENTS]


def create_campaigns(stack: Stack, event_ids: list[int]) -> None:
    """Create both campaigns through the API."""
    for event_id in event_ids:
        request = urllib.request.Request(
            f"{stack.base}/api/v1/events/{event_id}/campaigns", method="POST", data=b""
        )
        request.add_header("Authorization", f"Bearer {TOKEN}")
        with urllib.request.urlopen(request, timeout=60) as response:
            assert response.status == 201
