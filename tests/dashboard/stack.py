"""Real processes for the browser tests (the emulator, gunicorn with the dashboard, a worker),
and what every browser test does on a page: sign in, take a screenshot."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Page

from app.devstack import ManagedProcess, local_bind, wait_for_http, web_command, worker_command
from app.embedded import free_port
from app.emulator.config import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN
from tests.dashboard.support import ADMIN_EMAIL, ADMIN_PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path("/tmp")  # where the brief asks for them

SENDER = "whatsapp:+14155238886"
TEMPLATE_SID = "HX" + "0123456789abcdef" * 2
# Slow enough that the progress bar is seen between empty and full.
SEND_RATE = "1.5"


@dataclass(frozen=True)
class Stack:
    """URLs and processes of a running service."""

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


def service_env(base: Mapping[str, str], web_url: str, emulator_url: str) -> dict[str, str]:
    """The environment shared by gunicorn and the worker."""
    inherited = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TWILIO_", "SEND_", "EMULATOR_", "ADMIN_"))
    }
    return {
        **inherited,
        **base,
        "ADMIN_EMAIL": ADMIN_EMAIL,
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
        "TWILIO_API_BASE_URL": emulator_url,
        "TWILIO_ACCOUNT_SID": DEFAULT_ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": DEFAULT_AUTH_TOKEN,
        "TWILIO_WHATSAPP_FROM": SENDER,
        "TWILIO_INVITE_CONTENT_SID": TEMPLATE_SID,
        "PUBLIC_BASE_URL": web_url,
        "SEND_RATE_PER_SECOND": SEND_RATE,
        "SEND_SWEEP_INTERVAL": "1",
        "TWILIO_REQUEST_TIMEOUT": "5",
        "PYTHONUNBUFFERED": "1",
    }


def emulator_process(
    log_dir: Path, env: Mapping[str, str], port: int, web_url: str
) -> ManagedProcess:
    """The emulator: status callbacks and a button tap from every guest, sent to the web."""
    argv = [
        sys.executable, "-m", "app.emulator", "--host", "127.0.0.1", "--port", str(port),
        "--latency", "0.05-0.2",
        "--callback-statuses", "sent,delivered,read",
        "--callback-delay", "0.2-0.8",
        "--inbound-url", f"{web_url}/webhooks/twilio/inbound",
        "--auto-reply", "random", "--auto-reply-delay", "0.3-1.0", "--seed", "7",
    ]  # fmt: skip
    clean = {k: v for k, v in env.items() if not k.startswith("EMULATOR_")}
    return ManagedProcess("emulator", argv, clean, log_dir / "emulator.log")


@contextmanager
def running_stack(log_dir: Path, base_env: Mapping[str, str]) -> Iterator[Stack]:
    """Start the emulator, gunicorn and one worker; stop them all afterwards."""
    web_port, emulator_port = free_port(), free_port()
    web_url, emulator_url = f"http://127.0.0.1:{web_port}", f"http://127.0.0.1:{emulator_port}"
    env = service_env(base_env, web_url, emulator_url)
    web_env = {
        **env,
        "PORT": str(web_port),
        "WEB_CONCURRENCY": "1",
        "GUNICORN_ACCESS_LOG": "/dev/null",
    }
    emulator = emulator_process(log_dir, env, emulator_port, web_url)
    web = ManagedProcess("web", web_command(local_bind(web_env)), web_env, log_dir / "web.log")
    worker = ManagedProcess("worker", worker_command(), env, log_dir / "worker.log")
    with ExitStack() as stack:
        for process in (emulator, web, worker):
            process.start()
            stack.callback(process.stop, 20)
        wait_for_http(f"{emulator_url}/_emulator/health", timeout=30, process=emulator)
        wait_for_http(f"{web_url}/health", timeout=60, process=web)
        yield Stack(web_url, emulator_url, web, worker, emulator)


def sign_in(page: Page, stack: Stack, password: str = ADMIN_PASSWORD) -> None:
    """Fill and submit the sign-in form."""
    page.get_by_label("Email").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def shoot(page: Page, name: str) -> None:
    """Save a full-page screenshot to /tmp/dashboard-<name>.png (after animations settle)."""
    page.wait_for_timeout(700)
    page.screenshot(path=str(SCREENSHOTS / f"dashboard-{name}.png"), full_page=True)
