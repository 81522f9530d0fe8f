"""The processes of a run (emulator, gunicorn, one worker) and the campaign as SQL sees it."""

from __future__ import annotations

import argparse
import math
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text

from app.devstack import (
    ManagedProcess,
    local_bind,
    python_command,
    run_release,
    wait_for_http,
    web_command,
)
from app.devstack.embedded import free_port
from bench.emulator import emulator_env
from bench.sql import rows
from bench.stack import ACCOUNT, AUTH_TOKEN, SENDER, TEMPLATE, TOKEN, running
from bench.worker_watch import Worker


@dataclass(frozen=True)
class Stack:
    """The running service: its URLs, its database, its processes and its worker."""

    base: str
    emulator_url: str
    database_url: str
    web: ManagedProcess
    emulator: ManagedProcess
    worker: Worker
    processes: list[ManagedProcess]  # stopped on the way out, last started first


def environment(
    args: argparse.Namespace,
    database_url: str,
    redis_url: str,
    web_port: int,
    emulator_port: int,
    work: Path,
) -> dict[str, str]:
    """The web and worker environment: production, gunicorn.conf.py's defaults."""
    high = float(args.latency.split("-")[-1])
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "APP_ENV": "production",
        "SECRET_KEY": uuid.uuid4().hex,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "API_TOKEN": TOKEN,
        "LOG_LEVEL": args.log_level,
        "PORT": str(web_port),
        "WEB_CONCURRENCY": str(args.web_concurrency),
        "GUNICORN_ACCESS_LOG": str(work / "access.log"),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{web_port}",
        "TWILIO_API_BASE_URL": f"http://127.0.0.1:{emulator_port}",
        "TWILIO_ACCOUNT_SID": ACCOUNT,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_WHATSAPP_FROM": SENDER,
        "TWILIO_INVITE_CONTENT_SID": TEMPLATE,
        "SEND_RATE_PER_SECOND": str(args.send_rate),
        # as bench.campaign_throughput: rate x (max latency + 1) x 1.3 requests in flight
        "SEND_MAX_IN_FLIGHT": str(max(200, math.ceil(args.send_rate * (high + 1) * 1.3))),
    }


def emulator_process(args: argparse.Namespace, port: int, work: Path) -> ManagedProcess:
    """The Twilio emulator with the provider's latency and status callbacks on."""
    argv = [
        *python_command("-m", "app.emulator"),
        *("--port", str(port), "--latency", args.latency),
        *("--callback-statuses", "sent,delivered,read", "--page-size", "50"),
    ]
    return ManagedProcess(
        "emulator", argv, emulator_env(os.environ.get("PATH", "")), work / "emulator.log"
    )


@contextmanager
def started(
    args: argparse.Namespace, database_url: str, redis_url: str, work: Path
) -> Iterator[Stack]:
    """Emulator, gunicorn and ONE worker, up and answering; all stopped on the way out."""
    web_port, emulator_port = free_port(), free_port()
    env = environment(args, database_url, redis_url, web_port, emulator_port, work)
    run_release(env)
    emulator = emulator_process(args, emulator_port, work)
    web = ManagedProcess("web", web_command(local_bind(env)), env, work / "web.log")
    processes = [emulator.start(), web.start()]
    stack = Stack(
        f"http://127.0.0.1:{web_port}",
        f"http://127.0.0.1:{emulator_port}",
        database_url,
        web,
        emulator,
        Worker(env, work / "worker.log", processes),
        processes,
    )
    with running(processes):
        wait_for_http(f"{stack.emulator_url}/_emulator/health", 30, emulator)
        wait_for_http(f"{stack.base}/health", 60, web)
        stack.worker.start()
        yield stack


def campaign_created(database_url: str, campaign_id: int) -> float:
    """The campaign's creation, epoch seconds, as PostgreSQL stamped it."""
    sql = "SELECT extract(epoch FROM created_at) AS created FROM campaigns WHERE id = :id"
    return float(rows(database_url, sql, id=campaign_id)[0].created)


def wait_for_completion(
    database_url: str, campaign_id: int, worker: Worker, deadline: float
) -> float:
    """Wait for the campaign to complete; seconds from its creation to its completion."""
    engine = create_engine(database_url)
    query = text(
        "SELECT state, extract(epoch FROM finished_at - created_at) AS seconds FROM campaigns "
        "WHERE id = :id"
    )
    try:
        with engine.connect() as connection:
            while (row := connection.execute(query, {"id": campaign_id}).one()).state != (
                "completed"
            ):
                connection.rollback()
                if not worker.current.running():
                    raise RuntimeError(f"the worker died:\n{worker.current.tail()}")
                if time.time() > deadline:
                    raise TimeoutError(f"campaign not completed: {row}")
                time.sleep(0.5)
    finally:
        engine.dispose()
    return float(row.seconds)


def accepted_epochs(database_url: str, campaign_id: int) -> list[float]:
    """When PostgreSQL recorded each of the campaign's invitations as accepted."""
    found = rows(
        database_url,
        "SELECT extract(epoch FROM accepted_at) AS at FROM invitations "
        "WHERE campaign_id = :id AND accepted_at IS NOT NULL",
        id=campaign_id,
    )
    return [float(row.at) for row in found]
