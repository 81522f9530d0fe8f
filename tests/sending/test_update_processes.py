"""An event moved by two hours, told to its 200 confirmed guests through real processes
(gunicorn, `python -m worker`, PostgreSQL, Redis, the emulator) and a worker's kill -9:
each guest told once (a second save changes nothing), the reminder moved with the start,
and the guest's calendar entry at the new time with a higher SEQUENCE.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
from icalendar import Calendar
from sqlalchemy import Engine

from tests.support.database import scalar
from tests.support.factories import insert_guests, invite_all, phone
from tests.support.sending import CampaignStack
from tests.support.stack import kill_hard

pytestmark = pytest.mark.slow

UPDATE_SID = "HX" + "0123456789abcdef" * 2
REMINDER_SID = "HX" + "abcdef0123456789" * 2
GUESTS = 200
ZONE = "Europe/Madrid"
# 40 messages a second: the 200 updates take 5 s, so that the kill lands mid-campaign.
PACED = {"SEND_RATE_PER_SECOND": "40"}


@pytest.fixture(scope="module")
def web_extra_env() -> dict[str, str]:
    """The module's gunicorn and workers have update and reminder templates."""
    return {"TWILIO_UPDATE_CONTENT_SID": UPDATE_SID, "TWILIO_REMINDER_CONTENT_SID": REMINDER_SID}


def calendar_entry(stack: CampaignStack, event_id: int) -> tuple[datetime, int]:
    """The first guest's calendar entry, as served: its start and SEQUENCE."""
    listed = stack.api("GET", f"/events/{event_id}/guests?limit=1")
    page_url = listed["guests"][0]["page_url"]
    response = requests.get(page_url + ".ics", timeout=10)
    assert response.status_code == 200
    [entry] = Calendar.from_ical(response.content).walk("VEVENT")
    return entry["DTSTART"].dt, int(entry["SEQUENCE"])


def test_a_moved_event_tells_each_confirmed_guest_once_through_a_worker_kill_9(
    stack: CampaignStack, engine: Engine
) -> None:
    stack.emulator.configure(latency="0.1-0.3")  # slow enough that the kill catches sends
    start = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    event_id = insert_guests(engine, GUESTS, starts_at=start, time_zone=ZONE)
    invite_all(engine, event_id, ["confirmed"])
    reminder = stack.api_json("POST", f"/events/{event_id}/reminders", {"hours_before": 24}, 201)
    assert reminder["state"] == "scheduled"
    before, sequence = calendar_entry(stack, event_id)
    assert before == start.astimezone(ZoneInfo(ZONE)) and sequence == 0
    worker = stack.start_worker(PACED)

    moved_to = start + timedelta(hours=2)
    body = {"starts_at": moved_to.isoformat(), "notify": True}
    first = stack.api_json("PATCH", f"/events/{event_id}", body)
    second = stack.api_json("PATCH", f"/events/{event_id}", body)  # saved twice

    update = first["update"]
    assert update["created"] and update["total"] == GUESTS and update["round"] == 1
    assert not second["update"]["created"] and second["update"]["id"] == update["id"]
    assert second["calendar_sequence"] == 1
    assert [m["campaign_id"] for m in first["moved_reminders"]] == [reminder["id"]]
    assert second["moved_reminders"] == []  # the start did not change the second time
    stack.wait_sent(GUESTS // 4, timeout=60)
    kill_hard(worker)
    assert stack.sent() < GUESTS, "the worker was killed after every update was sent"
    stack.start_worker(PACED)

    done = stack.wait_state(update["id"], "completed")

    assert done["accepted"] == GUESTS and done["failed"] == done["canceled"] == 0
    counts = stack.emulator.counts()
    assert set(counts) == {f"whatsapp:{phone(i)}" for i in range(GUESTS)}
    assert set(counts.values()) == {1}, "a guest was told twice"
    messages = stack.emulator.messages()
    assert {m["content_sid"] for m in messages} == {UPDATE_SID}
    new_time = json.loads(messages[0]["content_variables"])["3"]
    assert new_time.startswith(f"{moved_to.astimezone(ZoneInfo(ZONE)):%a}")
    assert scalar(engine, "SELECT count(*) FROM message_attempts WHERE status = 'in_flight'") == 0

    # The reminder moved with the start, its 24 hours kept.
    moved = stack.api("GET", f"/campaigns/{reminder['id']}")
    assert moved["state"] == "scheduled"
    assert datetime.fromisoformat(moved["send_at"]) == moved_to - timedelta(hours=24)
    # The calendar entry is at the new time, in the event's zone, with a higher SEQUENCE.
    after, sequence = calendar_entry(stack, event_id)
    assert after == moved_to.astimezone(ZoneInfo(ZONE)) and str(after.tzinfo) == ZONE
    assert sequence == 1

    # Saving and confirming once more sends nothing.
    again = stack.api_json("POST", f"/events/{event_id}/updates", {}, 200)
    assert again["id"] == update["id"] and not again["created"]
    time.sleep(3)
    assert stack.sent() == GUESTS
