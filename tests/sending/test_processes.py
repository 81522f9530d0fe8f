"""Campaigns through real processes: gunicorn, `python -m worker`, PostgreSQL, Redis, emulator.

Each test creates a campaign through the API, runs it on a real worker while breaking
things (kill -9, FLUSHDB, provider faults, SIGTERM, pause and cancel), and checks at the
emulator that every guest got exactly one accepted message, recorded with its SID.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import requests
from flask import Flask
from sqlalchemy import Engine, text

from app.devstack import ManagedProcess
from app.embedded import free_port
from tests.conftest import API_TOKEN
from tests.sending.support import (
    EmulatorHandle,
    assert_exactly_once,
    eventually,
    insert_guests,
    kill_hard,
    phone,
    scalar,
    service_env,
    start_web,
    start_worker,
)

pytestmark = pytest.mark.slow

GUESTS = 2000
AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
WORKER_KNOBS = {
    "SEND_RATE_PER_SECOND": "200",
    "SEND_MAX_IN_FLIGHT": "100",
    "TWILIO_REQUEST_TIMEOUT": "2",
    "SEND_RECONCILE_GRACE": "1",
    "SEND_LEASE_SECONDS": "6",
    "SEND_SWEEP_INTERVAL": "2",
    "SEND_BACKOFF_BASE": "0.5",
    "SEND_BACKOFF_MAX": "4",
    "SEND_SLICE_SECONDS": "60",
}
COMPLETION_TIMEOUT = 120.0


class Stack:
    """gunicorn and the worker(s) of one test, and how to talk to them."""

    def __init__(self, log_dir: Path, env: dict[str, str], web_url: str, emulator: EmulatorHandle):
        self.log_dir = log_dir
        self.env = env
        self.web_url = web_url
        self.emulator = emulator
        self.workers: list[ManagedProcess] = []
        self.http = requests.Session()
        self.http.headers.update(AUTH)

    def api(self, method: str, path: str, expect: int = 200) -> dict[str, Any]:
        """Call the API through gunicorn; check the status."""
        response = self.http.request(method, f"{self.web_url}/api/v1{path}", timeout=30)
        assert response.status_code == expect, response.text
        body: dict[str, Any] = response.json()
        return body

    def start_worker(self) -> ManagedProcess:
        """Start one more `python -m worker`."""
        worker = start_worker(self.log_dir, self.env, name=f"worker{len(self.workers)}")
        self.workers.append(worker)
        return worker

    def sent(self) -> int:
        """Messages accepted by the emulator so far."""
        return int(self.emulator.get("/stats")["accepted_total"])

    def wait_sent(self, at_least: int, timeout: float = 60.0) -> None:
        """Wait until the emulator accepted at least `at_least` messages."""
        assert eventually(lambda: self.sent() >= at_least, timeout), self.diagnose()

    def wait_state(
        self, campaign_id: int, state: str, timeout: float = COMPLETION_TIMEOUT
    ) -> dict[str, Any]:
        """Wait until the campaign reaches `state`; return its JSON."""
        found: dict[str, Any] = {}

        def reached() -> bool:
            found.update(self.api("GET", f"/campaigns/{campaign_id}"))
            return found["state"] == state

        assert eventually(reached, timeout, interval=0.5), f"{found}\n{self.diagnose()}"
        return found

    def diagnose(self) -> str:
        """The end of every worker's log."""
        return "\n".join(f"--- {w.name}:\n{w.tail(30)}" for w in self.workers)

    def stop(self) -> None:
        """Stop every worker still running."""
        for worker in self.workers:
            worker.stop(timeout=40)


@pytest.fixture(scope="module")
def web(
    tmp_path_factory: pytest.TempPathFactory,
    migrated: dict[str, str],
    emulator_server: EmulatorHandle,
) -> Iterator[tuple[str, dict[str, str]]]:
    """gunicorn for the whole module; the environment every process of the module shares."""
    log_dir = tmp_path_factory.mktemp("sending-processes")
    port = free_port()
    web_url = f"http://127.0.0.1:{port}"
    env = service_env(migrated, emulator_server.url, web_url, **WORKER_KNOBS)
    process = start_web(log_dir, env, port)
    yield web_url, {**env, "_LOG_DIR": str(log_dir)}
    process.stop(timeout=30)


@pytest.fixture
def stack(
    web: tuple[str, dict[str, str]], emulator: EmulatorHandle, send_app: Flask
) -> Iterator[Stack]:
    """A fresh emulator, database and Redis, gunicorn, and no worker yet."""
    web_url, env = web
    emulator.configure(latency="0.05-0.2", callback_statuses="sent", callback_delay="0.05-0.2")
    stack = Stack(Path(env["_LOG_DIR"]), env, web_url, emulator)
    try:
        yield stack
    finally:
        stack.stop()


def create_campaign(stack: Stack, guests: int, start: int = 0) -> tuple[int, int]:
    """Import guests in SQL and create their campaign through the API; return both ids."""
    event_id = insert_guests(stack.env["DATABASE_URL"], guests, start=start)
    body = stack.api("POST", f"/events/{event_id}/campaigns", expect=201)
    assert body["total"] == body["pending"] == guests
    assert body["preflight"]["recipients"] == guests
    return event_id, int(body["id"])


def test_a_campaign_completes_with_one_message_per_guest(stack: Stack, engine: Engine) -> None:
    event_id, campaign_id = create_campaign(stack, GUESTS)
    stack.start_worker()

    done = stack.wait_state(campaign_id, "completed")

    assert done["accepted"] == GUESTS and done["pending"] == done["sending"] == 0
    assert_exactly_once(engine, stack.emulator, event_id, GUESTS)


def test_kill_9_at_random_moments_loses_and_repeats_nothing(stack: Stack, engine: Engine) -> None:
    event_id, campaign_id = create_campaign(stack, GUESTS)
    worker = stack.start_worker()
    rng = random.Random()
    for share in sorted(rng.uniform(0.1, 0.7) for _ in range(3)):
        stack.wait_sent(int(GUESTS * share))
        time.sleep(rng.uniform(0, 0.3))
        kill_hard(worker)
        worker = stack.start_worker()

    stack.wait_state(campaign_id, "completed")

    assert_exactly_once(engine, stack.emulator, event_id, GUESTS)
    # The claims the dead workers held were reconciled with the provider, not just resent.
    assert scalar(engine, "SELECT count(*) FROM message_attempts WHERE status = 'lost'") > 0
    assert scalar(engine, "SELECT count(*) FROM message_attempts WHERE status = 'in_flight'") == 0


def test_redis_flushed_mid_campaign_loses_and_repeats_nothing(stack: Stack, engine: Engine) -> None:
    event_id, campaign_id = create_campaign(stack, GUESTS)
    stack.start_worker()
    stack.wait_sent(GUESTS // 3)

    redis.Redis.from_url(stack.env["REDIS_URL"]).flushdb()

    stack.wait_state(campaign_id, "completed")
    assert_exactly_once(engine, stack.emulator, event_id, GUESTS)


def test_provider_faults_slow_the_campaign_but_every_guest_gets_one_message(
    stack: Stack, engine: Engine
) -> None:
    stack.emulator.configure(
        server_error_rate=0.1,
        rate_limit_rate=0.05,
        retry_after=1,
        max_in_flight=50,
        slow_rate=0.02,
        slow_delay=3,
    )
    event_id, campaign_id = create_campaign(stack, GUESTS)
    stack.start_worker()

    stack.wait_state(campaign_id, "completed", timeout=180)

    assert_exactly_once(engine, stack.emulator, event_id, GUESTS)
    faults = stack.emulator.get("/stats")["faults"]
    assert faults["server_error"] > 0 and faults["rate_limited"] > 0 and faults["slow"] > 0
    with engine.connect() as connection:
        rejected = dict(
            connection.execute(
                text(
                    "SELECT http_status, count(*) FROM message_attempts "
                    "WHERE status = 'rejected' GROUP BY 1"
                )
            ).all()
        )
    assert rejected.get(429, 0) > 0 and rejected.get(500, 0) > 0


def test_sigterm_hands_claims_back_and_a_new_worker_finishes(stack: Stack, engine: Engine) -> None:
    event_id, campaign_id = create_campaign(stack, GUESTS)
    worker = stack.start_worker()
    stack.wait_sent(GUESTS // 4)

    started = time.monotonic()
    status = worker.stop(timeout=40)
    stopped_in = time.monotonic() - started

    assert status == 0, worker.tail()
    assert stopped_in < 25, f"the worker took {stopped_in:.1f} s to stop"
    assert scalar(engine, "SELECT count(*) FROM invitations WHERE send_state = 'sending'") == 0
    assert scalar(engine, "SELECT count(*) FROM message_attempts WHERE status = 'in_flight'") == 0
    sent_at_stop = stack.sent()
    assert sent_at_stop < GUESTS
    assert (
        scalar(engine, "SELECT count(*) FROM invitations WHERE send_state = 'accepted'")
        == sent_at_stop
    )

    stack.start_worker()
    stack.wait_state(campaign_id, "completed")
    assert_exactly_once(engine, stack.emulator, event_id, GUESTS)


def test_pause_stops_sending_and_resume_completes(stack: Stack, engine: Engine) -> None:
    event_id, campaign_id = create_campaign(stack, GUESTS)
    stack.start_worker()
    stack.wait_sent(GUESTS // 5)

    paused = stack.api("POST", f"/campaigns/{campaign_id}/pause")
    assert paused["state"] == "paused"
    time.sleep(1.5)  # requests already in flight finish
    before = stack.sent()
    time.sleep(2)
    assert stack.sent() == before, "sent while paused"
    assert before < GUESTS
    stack.api("POST", f"/campaigns/{campaign_id}/pause", expect=409)

    stack.api("POST", f"/campaigns/{campaign_id}/resume")
    stack.wait_state(campaign_id, "completed")
    assert_exactly_once(engine, stack.emulator, event_id, GUESTS)


def test_cancel_withdraws_what_is_not_sent(stack: Stack, engine: Engine) -> None:
    _, campaign_id = create_campaign(stack, GUESTS)
    stack.start_worker()
    stack.wait_sent(GUESTS // 5)

    canceled = stack.api("POST", f"/campaigns/{campaign_id}/cancel")
    assert canceled["state"] == "canceled" and canceled["canceled_now"] > 0

    def settled() -> bool:
        body = stack.api("GET", f"/campaigns/{campaign_id}")
        return body["pending"] == body["sending"] == 0

    assert eventually(settled, 10)
    before = stack.sent()
    time.sleep(2)
    assert stack.sent() == before, "sent after cancel"
    body = stack.api("GET", f"/campaigns/{campaign_id}")
    assert body["accepted"] == before and body["accepted"] + body["canceled"] == GUESTS
    counts = stack.emulator.counts()
    assert all(n == 1 for n in counts.values()) and len(counts) == before
    stack.api("POST", f"/campaigns/{campaign_id}/resume", expect=409)
    stack.api("POST", f"/campaigns/{campaign_id}/retry-failed", expect=409)


def test_retry_failed_requeues_only_guests_who_can_receive(stack: Stack, engine: Engine) -> None:
    opted_out = [phone(i) for i in (3, 30, 300)]
    stack.emulator.configure(opted_out=opted_out)
    event_id, campaign_id = create_campaign(stack, 400)
    stack.start_worker()
    done = stack.wait_state(campaign_id, "completed")
    assert done["accepted"] == 397 and done["failed"] == 3
    assert done["errors"] == [
        {"code": 21610, "reason": "The guest has opted out of messages", "count": 3}
    ]

    # Still opted out: nothing to retry.
    retried = stack.api("POST", f"/campaigns/{campaign_id}/retry-failed")
    assert retried["requeued"] == 0 and retried["skipped"] == 3

    # The guests opted back in (START): retry-failed sends them their invitation, once.
    stack.emulator.post("/optouts", {"remove": opted_out})
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM opt_outs"))
    retried = stack.api("POST", f"/campaigns/{campaign_id}/retry-failed")
    assert retried["requeued"] == 3 and retried["state"] == "running"
    stack.wait_state(campaign_id, "completed")
    assert_exactly_once(engine, stack.emulator, event_id, 400)
