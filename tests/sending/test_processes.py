"""Campaigns through real processes: gunicorn, `python -m worker`, PostgreSQL, Redis, emulator.

Each test creates a campaign through the API, runs it on a real worker while breaking
things (kill -9, FLUSHDB, provider faults, SIGTERM, pause and cancel), and checks at the
emulator that every guest got exactly one accepted message, recorded with its SID.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest
import redis
from rq import Worker
from sqlalchemy import Engine, text

from app.devstack.embedded import EmbeddedServices, free_port, start_redis
from tests.support.database import scalar
from tests.support.factories import phone
from tests.support.polling import eventually
from tests.support.sending import CampaignStack, assert_exactly_once, create_campaign
from tests.support.stack import kill_hard

pytestmark = pytest.mark.slow

GUESTS = 1200


def test_a_campaign_completes_with_one_message_per_guest(
    stack: CampaignStack, engine: Engine
) -> None:
    event_id, campaign_id = create_campaign(stack, GUESTS)
    stack.start_worker()

    done = stack.wait_state(campaign_id, "completed")

    assert done["accepted"] == GUESTS and done["pending"] == done["sending"] == 0
    assert_exactly_once(engine, stack.emulator, event_id, GUESTS)


def test_kill_9_at_random_moments_loses_and_repeats_nothing(
    stack: CampaignStack, engine: Engine
) -> None:
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


def test_redis_flushed_mid_campaign_loses_and_repeats_nothing(
    stack: CampaignStack, engine: Engine
) -> None:
    event_id, campaign_id = create_campaign(stack, GUESTS)
    stack.start_worker()
    stack.wait_sent(GUESTS // 3)

    redis.Redis.from_url(stack.env["REDIS_URL"]).flushdb()

    stack.wait_state(campaign_id, "completed")
    assert_exactly_once(engine, stack.emulator, event_id, GUESTS)


def test_redis_restarted_twice_mid_campaign_the_worker_rides_it_out(
    stack: CampaignStack, engine: Engine, tmp_path: Path
) -> None:
    # A Redis of this test's own, so that it can go away: stopped, gone for a few seconds,
    # then back empty (a restart of a Redis that keeps nothing on disk).
    services = EmbeddedServices()
    port = free_port()
    redis_url = start_redis(services, tmp_path / "redis", port=port)
    try:
        event_id, campaign_id = create_campaign(stack, GUESTS)
        worker = stack.start_worker({"REDIS_URL": redis_url})
        for share in (0.25, 0.5):
            stack.wait_sent(int(GUESTS * share))
            services.stop()
            time.sleep(4)
            start_redis(services, tmp_path / "redis", port=port)

        stack.wait_state(campaign_id, "completed")

        assert worker.running(), "the worker exited:\n" + worker.tail(40)
        # The worker did see the outages (it logs the address it could not reach), and it is
        # registered again in the Redis that came back empty, so /ready sees it.
        assert f"127.0.0.1:{port}" in worker.tail(400)
        connection = redis.Redis.from_url(redis_url)
        assert eventually(lambda: len(Worker.all(connection=connection)) == 1, 30)
        assert_exactly_once(engine, stack.emulator, event_id, GUESTS)
    finally:
        services.stop()


def test_provider_faults_slow_the_campaign_but_every_guest_gets_one_message(
    stack: CampaignStack, engine: Engine
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


def test_sigterm_hands_claims_back_and_a_new_worker_finishes(
    stack: CampaignStack, engine: Engine
) -> None:
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


def test_pause_stops_sending_and_resume_completes(stack: CampaignStack, engine: Engine) -> None:
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


def test_cancel_withdraws_what_is_not_sent(stack: CampaignStack, engine: Engine) -> None:
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


def test_retry_failed_requeues_only_guests_who_can_receive(
    stack: CampaignStack, engine: Engine
) -> None:
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
    stack.emulator.control("/optouts", {"remove": opted_out})
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM opt_outs"))
    retried = stack.api("POST", f"/campaigns/{campaign_id}/retry-failed")
    assert retried["requeued"] == 3 and retried["state"] == "running"
    stack.wait_state(campaign_id, "completed")
    assert_exactly_once(engine, stack.emulator, event_id, 400)
