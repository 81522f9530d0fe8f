"""After the event through real processes (gunicorn, `python -m worker`, PostgreSQL, Redis,
the emulator) and a worker's kill -9: the guests who came are thanked and the confirmed ones
who did not are told they were missed, each exactly once, with its own template.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, text

from tests.support.database import scalar
from tests.support.factories import insert_guests, invite_all, phone
from tests.support.sending import CampaignStack
from tests.support.stack import kill_hard

pytestmark = pytest.mark.slow

THANKS_SID = "HX" + "8" * 32
MISSED_SID = "HX" + "9" * 32
GUESTS = 120
CAME = range(0, GUESTS, 3)  # a third of the confirmed guests came in
# 30 messages a second: the 120 take 4 s, so that the kill lands mid-way.
PACED = {"SEND_RATE_PER_SECOND": "30"}


@pytest.fixture(scope="module")
def web_extra_env() -> dict[str, str]:
    """The module's gunicorn and workers have thank-you and missed-you templates."""
    return {"TWILIO_THANKS_CONTENT_SID": THANKS_SID, "TWILIO_MISSED_CONTENT_SID": MISSED_SID}


def test_after_the_event_each_guest_hears_once_the_right_words_through_a_kill_9(
    stack: CampaignStack, engine: Engine
) -> None:
    stack.emulator.configure(latency="0.1-0.3")
    event_id = insert_guests(engine, GUESTS, starts_at=timedelta(hours=-4))
    invite_all(engine, event_id, ["confirmed"])
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO checkins (event_id, guest_id, people, scanned_at)"
                " SELECT g.event_id, g.id, 1, now() FROM guests g WHERE g.phone = ANY(:phones)"
            ),
            {"phones": [phone(i) for i in CAME]},
        )
    worker = stack.start_worker(PACED)

    thanks = stack.api_json("POST", f"/events/{event_id}/thanks", {}, 201)
    missed = stack.api_json("POST", f"/events/{event_id}/missed", {}, 201)
    assert (thanks["total"], missed["total"]) == (len(CAME), GUESTS - len(CAME))
    stack.wait_sent(GUESTS // 4, timeout=60)
    kill_hard(worker)
    assert stack.sent() < GUESTS, "the worker was killed after every message was sent"
    stack.start_worker(PACED)

    for campaign in (thanks, missed):
        done = stack.wait_state(campaign["id"], "completed")
        assert done["accepted"] == campaign["total"] and done["failed"] == 0

    counts = stack.emulator.counts()
    assert set(counts.values()) == {1}, "a guest heard twice"
    by_template = {m["to"].removeprefix("whatsapp:"): m["content_sid"] for m in
                   stack.emulator.messages()}  # fmt: skip
    came = {phone(i) for i in CAME}
    assert {number for number, sid in by_template.items() if sid == THANKS_SID} == came
    assert {n for n, sid in by_template.items() if sid == MISSED_SID} == {
        phone(i) for i in range(GUESTS)
    } - came
    assert scalar(engine, "SELECT count(*) FROM message_attempts WHERE status = 'in_flight'") == 0
    again = stack.http.post(f"{stack.web_url}/api/v1/events/{event_id}/thanks", json={}, timeout=30)
    assert again.status_code == 409
