"""The service's processes as the Procfile runs them: gunicorn, workers and, for a whole stack,
the emulator in front of them."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from app.devstack import ManagedProcess, local_bind, wait_for_http, web_command, worker_command
from app.devstack.embedded import free_port
from app.emulator.config import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN
from tests.support.constants import ADMIN_EMAIL, ADMIN_PASSWORD, SENDER, TEMPLATE_SID
from tests.support.emulator import control_env


def service_env(
    base: Mapping[str, str], emulator_url: str, web_url: str, **extra: str
) -> dict[str, str]:
    """The environment of gunicorn and the worker: `base`, Twilio at the emulator, `extra`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TWILIO_", "SEND_", "EMULATOR_", "ADMIN_"))
    }
    env.update(base)
    env.update(
        {
            "TWILIO_API_BASE_URL": emulator_url,
            "TWILIO_CONTENT_BASE_URL": emulator_url,
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


def web_env(env: Mapping[str, str], port: int) -> dict[str, str]:
    """gunicorn's environment: one worker on `port`, no access log."""
    return {**env, "PORT": str(port), "WEB_CONCURRENCY": "1", "GUNICORN_ACCESS_LOG": "/dev/null"}


def start_web(log_dir: Path, env: Mapping[str, str], port: int) -> ManagedProcess:
    """Start gunicorn as the Procfile does, on `port`, and wait for /health."""
    full_env = web_env(env, port)
    command = web_command(local_bind(full_env))
    process = ManagedProcess("web", command, full_env, log_dir / "web.log").start()
    try:
        wait_for_http(f"http://127.0.0.1:{port}/health", timeout=60, process=process)
    except BaseException:
        process.stop(timeout=10)
        raise
    return process


@contextmanager
def running_web(
    env: Mapping[str, str], log_dir: Path, **extra: str
) -> Iterator[tuple[str, ManagedProcess]]:
    """Start gunicorn (gevent) with `env` plus `extra`; yield its base URL and process.

    On the way out it must stop cleanly, having logged no traceback and no WORKER TIMEOUT.
    """
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    full_env = {**web_env({**os.environ, **env}, port), "PUBLIC_BASE_URL": base_url, **extra}
    command = web_command(local_bind(full_env))
    process = ManagedProcess("web", command, full_env, log_dir / "web.log").start()
    try:
        wait_for_http(f"{base_url}/health", timeout=30, process=process)
        yield base_url, process
    finally:
        status = process.stop(timeout=30)
        log = process.tail(400)
        assert status == 0, log
        assert "Traceback" not in log, log
        assert "WORKER TIMEOUT" not in log, log


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


# The whole service for the browser tests: slow enough that a progress bar is seen moving.
SERVICE_KNOBS = {
    "ADMIN_EMAIL": ADMIN_EMAIL,
    "ADMIN_PASSWORD": ADMIN_PASSWORD,
    "SEND_RATE_PER_SECOND": "1.5",
    "SEND_SWEEP_INTERVAL": "1",
    "TWILIO_REQUEST_TIMEOUT": "5",
}


@dataclass(frozen=True)
class ServiceStack:
    """URLs and processes of a running service: the emulator, gunicorn and a worker."""

    web_url: str
    emulator_url: str
    web: ManagedProcess
    worker: ManagedProcess
    emulator: ManagedProcess

    def logs(self) -> str:
        """The tails of every process log, for failure messages."""
        return "\n".join(
            f"--- {p.name}\n{p.tail(30)}" for p in (self.web, self.worker, self.emulator)
        )


def guests_emulator(
    log_dir: Path, env: Mapping[str, str], port: int, web_url: str
) -> ManagedProcess:
    """The emulator: status callbacks and a button tap from every guest, sent to the web;
    WhatsApp's review of a template in 3 s; the tests' control token."""
    argv = [
        sys.executable, "-m", "app.emulator", "--host", "127.0.0.1", "--port", str(port),
        "--latency", "0.05-0.2",
        "--callback-statuses", "sent,delivered,read",
        "--callback-delay", "0.2-0.8",
        "--inbound-url", f"{web_url}/webhooks/twilio/inbound",
        "--auto-reply", "random", "--auto-reply-delay", "0.3-1.0", "--seed", "7",
        "--content-approval-delay", "3",
    ]  # fmt: skip
    clean = {k: v for k, v in env.items() if not k.startswith("EMULATOR_")} | control_env()
    return ManagedProcess("emulator", argv, clean, log_dir / "emulator.log")


@contextmanager
def running_stack(log_dir: Path, base_env: Mapping[str, str]) -> Iterator[ServiceStack]:
    """Start the emulator, gunicorn and one worker; stop them all afterwards."""
    web_port, emulator_port = free_port(), free_port()
    web_url, emulator_url = f"http://127.0.0.1:{web_port}", f"http://127.0.0.1:{emulator_port}"
    env = service_env(base_env, emulator_url, web_url, LOG_LEVEL="WARNING", **SERVICE_KNOBS)
    full_web_env = web_env(env, web_port)
    emulator = guests_emulator(log_dir, env, emulator_port, web_url)
    web = ManagedProcess(
        "web", web_command(local_bind(full_web_env)), full_web_env, log_dir / "web.log"
    )
    worker = ManagedProcess("worker", worker_command(), env, log_dir / "worker.log")
    with ExitStack() as stack:
        for process in (emulator, web, worker):
            process.start()
            stack.callback(process.stop, 20)
        wait_for_http(f"{emulator_url}/_emulator/health", timeout=30, process=emulator)
        wait_for_http(f"{web_url}/health", timeout=60, process=web)
        yield ServiceStack(web_url, emulator_url, web, worker, emulator)
