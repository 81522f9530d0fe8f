"""Fixtures for the sending engine: one emulator per run, an app pointed at it, SEND_* knobs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine

from app.devstack.embedded import free_port
from app.emulator.config import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN
from app.extensions import db
from tests.support.apps import fresh_app
from tests.support.constants import SENDER, TEMPLATE_SID
from tests.support.emulator import Emulator, launch_emulator
from tests.support.sending import WORKER_KNOBS, CampaignStack
from tests.support.stack import service_env, start_web

# Fast enough for the suite, slow enough that requests overlap.
TEST_LATENCY = "0.01-0.05"


@pytest.fixture(scope="session")
def emulator_server(
    tmp_path_factory: pytest.TempPathFactory, test_env: dict[str, str]
) -> Iterator[Emulator]:
    """One emulator process for the whole run (no status callbacks unless a test asks)."""
    log_dir = tmp_path_factory.mktemp("sending-emulator")
    handle = launch_emulator(
        log_dir, test_env, "--latency", TEST_LATENCY, "--callback-statuses", ""
    )
    yield handle
    handle.session.close()
    assert handle.process is not None
    handle.process.stop(timeout=10)
    log = handle.process.log_path.read_text(errors="replace")
    assert "Traceback" not in log, log[-3000:]


@pytest.fixture
def emulator(emulator_server: Emulator) -> Emulator:
    """The emulator, reset to its start configuration with no messages."""
    emulator_server.reset()
    return emulator_server


@pytest.fixture
def send_env(migrated: dict[str, str], emulator: Emulator) -> dict[str, str]:
    """The app's environment: Twilio is the emulator; no web server receives callbacks."""
    return {
        **migrated,
        "TWILIO_API_BASE_URL": emulator.url,
        "TWILIO_CONTENT_BASE_URL": emulator.url,
        "TWILIO_ACCOUNT_SID": DEFAULT_ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": DEFAULT_AUTH_TOKEN,
        "TWILIO_WHATSAPP_FROM": SENDER,
        "TWILIO_INVITE_CONTENT_SID": TEMPLATE_SID,
        "PUBLIC_BASE_URL": "https://invites.example.org",
        "SEND_RATE_PER_SECOND": "500",
        "SEND_MAX_IN_FLIGHT": "100",
        "TWILIO_REQUEST_TIMEOUT": "2",
    }


@pytest.fixture
def sending_knobs(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Short leases and sweeps for in-process drains (read from the environment)."""
    knobs = {
        "SEND_RECONCILE_GRACE": "1",
        "SEND_LEASE_SECONDS": "5",
        "SEND_SWEEP_INTERVAL": "1",
        "SEND_BACKOFF_BASE": "0.2",
        "SEND_BACKOFF_MAX": "1",
        "SEND_SLICE_SECONDS": "60",
    }
    for name, value in knobs.items():
        monkeypatch.setenv(name, value)
    return knobs


@pytest.fixture
def send_app(send_env: dict[str, str], sending_knobs: dict[str, str]) -> Iterator[Flask]:
    """An app pointed at the emulator; every table and Redis are emptied afterwards."""
    with fresh_app(send_env) as app:
        yield app


@pytest.fixture
def engine(send_app: Flask) -> Iterator[Engine]:
    """The app's engine, inside an app context."""
    with send_app.app_context():
        yield db.engine


@pytest.fixture(scope="module")
def web_extra_env() -> dict[str, str]:
    """Settings a test module adds to its processes' environment (none here)."""
    return {}


@pytest.fixture(scope="module")
def web(
    tmp_path_factory: pytest.TempPathFactory,
    migrated: dict[str, str],
    emulator_server: Emulator,
    web_extra_env: dict[str, str],
) -> Iterator[tuple[str, dict[str, str]]]:
    """gunicorn for the whole module; the environment every process of the module shares."""
    log_dir = tmp_path_factory.mktemp("sending-processes")
    port = free_port()
    web_url = f"http://127.0.0.1:{port}"
    env = service_env(migrated, emulator_server.url, web_url, **WORKER_KNOBS, **web_extra_env)
    process = start_web(log_dir, env, port)
    yield web_url, {**env, "_LOG_DIR": str(log_dir)}
    process.stop(timeout=30)


@pytest.fixture
def stack(
    web: tuple[str, dict[str, str]], emulator: Emulator, send_app: Flask
) -> Iterator[CampaignStack]:
    """A fresh emulator, database and Redis, gunicorn, and no worker yet."""
    web_url, env = web
    emulator.configure(latency="0.05-0.2", callback_statuses="sent", callback_delay="0.05-0.2")
    stack = CampaignStack(Path(env["_LOG_DIR"]), env, web_url, emulator)
    try:
        yield stack
    finally:
        stack.stop()
