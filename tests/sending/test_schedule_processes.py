"""Schedules through real processes: gunicorn, `python -m worker`, PostgreSQL, Redis, emulator.

A campaign scheduled a few seconds ahead starts on time from PostgreSQL alone (Redis is
flushed in between), and a reminder set a few seconds before an event's start goes to the
confirmed guests only, once each, through a worker's kill -9.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
import redis
from sqlalchemy import Engine, text

from tests.support.database import scalar
from tests.support.factories import insert_guests, invite_all, phone
from tests.support.polling import eventually
from tests.support.sending import WORKER_KNOBS, CampaignStack, assert_exactly_once
from tests.support.stack import kill_hard

pytestmark = pytest.mark.slow

REMINDER_SID = "HX" + "abcdef0123456789" * 2
SWEEP_INTERVAL = float(WORKER_KNOBS["SEND_SWEEP_INTERVAL"])


@pytest.fixture(scope="module")
def web_extra_env() -> dict[str, str]:
    """The module's gunicorn and workers have a reminder template."""
    return {"TWILIO_REMINDER_CONTENT_SID": REMINDER_SID}


def campaign_state(stack: CampaignStack, campaign_id: int) -> str:
    """The campaign's state, through the API."""
    return str(stack.api("GET", f"/campaigns/{campaign_id}")["state"])


def test_a_campaign_scheduled_ahead_starts_on_time_after_a_redis_flush(
    stack: CampaignStack, engine: Engine
) -> None:
    guests = 300
    event_id = insert_guests(stack.env["DATABASE_URL"], guests)
    stack.start_worker()
    send_at = datetime.now(UTC) + timedelta(seconds=5)
    body = stack.api_json(
        "POST", f"/events/{event_id}/campaigns", {"send_at": send_at.isoformat()}, expect=201
    )
    campaign_id = body["id"]
    assert body["state"] == "scheduled" and body["pending"] == 0

    time.sleep(2)
    redis.Redis.from_url(stack.env["REDIS_URL"]).flushdb()
    assert campaign_state(stack, campaign_id) == "scheduled" and stack.sent() == 0

    assert eventually(lambda: campaign_state(stack, campaign_id) != "scheduled", 30, 0.2)
    late = (datetime.now(UTC) - send_at).total_seconds()
    # Found by the sweep from PostgreSQL: within one sweep interval (and a poll's slack).
    assert late <= SWEEP_INTERVAL + 1.5, f"started {late:.1f} s after its time"
    stack.wait_state(campaign_id, "completed")
    assert_exactly_once(engine, stack.emulator, event_id, guests)


def test_a_reminder_goes_to_confirmed_guests_once_each_through_a_worker_kill_9(
    stack: CampaignStack, engine: Engine
) -> None:
    guests = 1200
    # Slower answers than the stack's default, so that the kill catches sends in flight.
    stack.emulator.configure(latency="0.1-0.3")
    event_id = insert_guests(engine, guests, starts_at=timedelta(seconds=90))
    answers = ("confirmed", "confirmed", "declined", "maybe", None)  # by guest index % 5
    invite_all(engine, event_id, answers)
    confirmed = {phone(i) for i in range(guests) if answers[i % 5] == "confirmed"}
    worker = stack.start_worker()

    # 85 s before a start 90 s away: due in about 5 s.
    body = stack.api_json(
        "POST", f"/events/{event_id}/reminders", {"hours_before": 85 / 3600}, expect=201
    )
    assert body["kind"] == "reminder" and body["state"] == "scheduled"
    assert body["total"] == len(confirmed)
    stack.wait_sent(len(confirmed) // 3, timeout=30)
    kill_hard(worker)
    assert stack.sent() < len(confirmed), "the worker was killed after the reminder was sent"
    stack.start_worker()

    done = stack.wait_state(body["id"], "completed")

    assert done["accepted"] == len(confirmed) and done["failed"] == done["canceled"] == 0
    counts = stack.emulator.counts()
    assert {to.removeprefix("whatsapp:") for to in counts} == confirmed
    assert set(counts.values()) == {1}, "a guest was reminded twice"
    assert {m["content_sid"] for m in stack.emulator.messages()} == {REMINDER_SID}
    # The sends the dead worker left in flight were reconciled, not resent.
    assert scalar(engine, "SELECT count(*) FROM message_attempts WHERE status = 'in_flight'") == 0
    with engine.connect() as connection:
        recorded = connection.execute(
            text(
                "SELECT count(*) FROM invitations WHERE event_id = :e AND kind = 'reminder'"
                " AND send_state = 'accepted' AND message_sid IS NOT NULL"
            ),
            {"e": event_id},
        ).scalar_one()
    assert recorded == len(confirmed)
