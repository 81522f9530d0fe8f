"""One naive case: `bench/naive/app.py` under gunicorn, asked to send to N guests in a request."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from app.devstack import ManagedProcess, python_command, wait_for_http
from app.devstack.embedded import free_port
from bench.emulator import get_json
from bench.naive.probe import Probe, post_form

ACCOUNT = "AC" + "a" * 32
AUTH_TOKEN = "emulator-auth-token"
SENDER = "whatsapp:+14155238886"
TEMPLATE = "HX" + "0123456789abcdef" * 2
FIRST_NUMBER = 2_000_000


@dataclass(frozen=True)
class Server:
    """How gunicorn runs the naive app."""

    label: str
    worker_class: str
    timeout: int


SERVERS = (
    Server("sync, timeout 30 s", "sync", 30),
    Server("gevent, timeout 120 s", "gevent", 120),
)


@dataclass(frozen=True)
class Case:
    """One request: a server, an emulator latency, a number of guests, their first number."""

    server: Server
    latency: str
    guests: int
    first: int

    def numbers(self) -> set[str]:
        """The guests' numbers, as the emulator counts them."""
        return {f"+1202{self.first + n:07d}" for n in range(self.guests)}


def emulator_counts(emulator_url: str) -> dict[str, int]:
    """Accepted messages per number (without the `whatsapp:` prefix)."""
    counts = get_json(f"{emulator_url}/_emulator/counts")["counts"]
    return {to.removeprefix("whatsapp:"): n for to, n in counts.items()}


def start_server(case: Case, emulator_url: str, work: Path) -> tuple[ManagedProcess, str]:
    """gunicorn with one worker of the case's class, as a Procfile would run the naive app."""
    port = free_port()
    name = f"naive-{case.server.worker_class}-{case.latency}-{case.guests}"
    argv = python_command(
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "--worker-class",
        case.server.worker_class,
        "--timeout",
        str(case.server.timeout),
        "--no-control-socket",
        "bench.naive.app:app",
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "TWILIO_ACCOUNT_SID": ACCOUNT,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_API_BASE_URL": emulator_url,
        "TWILIO_WHATSAPP_FROM": SENDER,
        "TWILIO_INVITE_CONTENT_SID": TEMPLATE,
    }
    server = ManagedProcess(name, argv, env, work / f"{name}.log").start()
    base = f"http://127.0.0.1:{port}"
    wait_for_http(f"{base}/ping", 60, server)
    return server, base


def run_case(
    case: Case, server: ManagedProcess, base: str, emulator_url: str, client_timeout: float
) -> dict:
    """Send the request, probe the server meanwhile, then count what the provider accepted."""
    probe = Probe(f"{base}/ping", client_timeout).start()
    outcome, seconds = post_form(
        f"{base}/events/1/send",
        {"guests": str(case.guests), "first": str(case.first)},
        client_timeout,
    )
    probed = probe.stop()
    # A create request in flight when a worker died still lands at the provider.
    time.sleep(float(case.latency.split("-")[-1]) + 1)
    counts = emulator_counts(emulator_url)
    received = [counts.get(number, 0) for number in case.numbers()]
    log = server.log_path.read_text(errors="replace")
    return {
        "server": case.server.label,
        "worker_class": case.server.worker_class,
        "gunicorn_timeout_s": case.server.timeout,
        "latency_s": case.latency,
        "guests": case.guests,
        "sent": sum(1 for n in received if n),
        "duplicates": sum(n - 1 for n in received if n > 1),
        "outcome": outcome,
        "request_s": round(seconds, 1),
        "worker_timeout_logged": "WORKER TIMEOUT" in log,
        **probed,
    }
