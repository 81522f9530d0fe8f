"""The same guests through THIS service: a campaign via the API, sent by one worker."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from app.devstack import ManagedProcess, run_release, wait_for_http, web_command, worker_command
from app.devstack.embedded import free_port
from bench.campaign_throughput import environment
from bench.emulator import emulator_env, post_json
from bench.naive.cases import emulator_counts
from bench.naive.probe import Probe
from bench.sql import rows
from bench.stack import call, running
from tests.support.factories import insert_guests
from tests.support.services import provide_services

RATE = 80  # WhatsApp's default per sender; 30 guests go out within half a second anyway


@dataclass(frozen=True)
class Stack:
    """The running service: its web URL, its emulator's URL, its database."""

    base: str
    emulator_url: str
    database_url: str


@contextmanager
def service_stack(work: Path, latency: str) -> Iterator[Stack]:
    """Emulator, gunicorn and one worker on a scratch database, as the throughput bench runs."""
    with provide_services(work / "services") as services:
        web_port, emulator_port = free_port(), free_port()
        options = argparse.Namespace(
            latency=latency,
            rate=RATE,
            max_in_flight=0,
            log_level="WARNING",
            timeout=15.0,
            slice=180,
        )
        env = environment(
            options, services.database_url, services.redis_url, web_port, emulator_port
        )
        run_release(env)
        emulator = ManagedProcess(
            "emulator",
            [sys.executable, "-m", "app.emulator", "--port", str(emulator_port)],
            emulator_env(env["PATH"], EMULATOR_LATENCY=latency),
            work / "service-emulator.log",
        )
        web = ManagedProcess("web", web_command(), env, work / "service-web.log")
        worker = ManagedProcess("worker", worker_command(), env, work / "service-worker.log")
        processes = [emulator.start(), web.start()]
        with running(processes):
            stack = Stack(
                f"http://127.0.0.1:{web_port}",
                f"http://127.0.0.1:{emulator_port}",
                services.database_url,
            )
            wait_for_http(f"{stack.emulator_url}/_emulator/health", 30, emulator)
            wait_for_http(f"{stack.base}/health", 60, web)
            processes.append(worker.start())
            time.sleep(3)  # the worker is up and idle, as in production
            yield stack


def set_latency(stack: Stack, latency: str) -> None:
    """Change the emulator's latency at run time."""
    post_json(f"{stack.emulator_url}/_emulator/config", {"latency": latency})


def completion_seconds(stack: Stack, campaign_id: int) -> float | None:
    """`finished_at - created_at` of a completed campaign, None if it is not completed."""
    found = rows(
        stack.database_url,
        "SELECT extract(epoch FROM finished_at - created_at) AS seconds FROM campaigns "
        "WHERE id = :id AND state = 'completed'",
        id=campaign_id,
    )
    return float(found[0].seconds) if found else None


def run_campaign(stack: Stack, latency: str, guests: int, first: int, timeout: float) -> dict:
    """Invite `guests` new guests through the API; time it while probing the web's /health."""
    set_latency(stack, latency)
    event_id = insert_guests(
        stack.database_url, guests, f"Naive comparison {first}", start=first - 2_000_000
    )
    numbers = {f"+1202{first + n:07d}" for n in range(guests)}
    probe = Probe(f"{stack.base}/health", 30).start()
    started = time.monotonic()
    campaign = call(stack.base, f"/api/v1/events/{event_id}/campaigns", method="POST")
    created = time.monotonic() - started
    all_sent = None
    while time.monotonic() - started < timeout:
        counts = emulator_counts(stack.emulator_url)
        if sum(1 for number in numbers if counts.get(number)) == guests:
            all_sent = time.monotonic() - started
            break
        time.sleep(0.05)
    completed = None
    while completed is None and time.monotonic() - started < timeout:
        completed = completion_seconds(stack, campaign["id"])
        time.sleep(0.1)
    probed = probe.stop()
    counts = emulator_counts(stack.emulator_url)
    return {
        "server": "this service (campaign + worker)",
        "latency_s": latency,
        "guests": guests,
        "sent": sum(1 for number in numbers if counts.get(number)),
        "duplicates": sum(counts.get(number, 0) - 1 for number in numbers if counts.get(number)),
        "outcome": str(201) if campaign.get("id") else "error",
        "request_s": round(created, 3),
        "time_to_all_sent_s": None if all_sent is None else round(all_sent, 2),
        "time_to_completion_s": None if completed is None else round(completed, 2),
        **probed,
    }
