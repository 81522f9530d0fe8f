"""An event giving passes moved by two hours and told to its 200 confirmed guests through
real processes (gunicorn, `python -m worker`, PostgreSQL, Redis, the emulator) and a worker's
kill -9: each guest gets the update once and their pass again once, as the `pass` media
template (their 24-hour window is closed), its media URL filled with their pass's path.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from tests.support.database import execute, scalar
from tests.support.factories import insert_guests, invite_all, phone
from tests.support.sending import CampaignStack
from tests.support.stack import kill_hard

pytestmark = pytest.mark.slow

UPDATE_SID = "HX" + "0123456789abcdef" * 2
PASS_SID = "HX" + "5" * 32
GUESTS = 200
# 40 messages a second: the 400 messages take 10 s, so that the kill lands mid-way.
PACED = {"SEND_RATE_PER_SECOND": "40"}


@pytest.fixture(scope="module")
def web_extra_env() -> dict[str, str]:
    """The module's gunicorn and workers have update and pass templates."""
    return {"TWILIO_UPDATE_CONTENT_SID": UPDATE_SID, "TWILIO_PASS_CONTENT_SID": PASS_SID}


def test_a_moved_event_sends_each_pass_holder_their_pass_once_through_a_worker_kill_9(
    stack: CampaignStack, engine: Engine
) -> None:
    stack.emulator.configure(latency="0.1-0.3")
    start = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    event_id = insert_guests(engine, GUESTS, starts_at=start)
    invite_all(engine, event_id, ["confirmed"])
    execute(engine, "UPDATE events SET passes = true WHERE id = :e", e=event_id)
    execute(engine, "UPDATE guests SET pass_code = upper(substr(md5(id::text), 1, 8))")
    worker = stack.start_worker(PACED)

    body = {"starts_at": (start + timedelta(hours=2)).isoformat(), "notify": True}
    first = stack.api_json("PATCH", f"/events/{event_id}", body)
    stack.api_json("PATCH", f"/events/{event_id}", body)  # saved twice
    assert first["update"]["created"]
    stack.wait_sent(GUESTS // 2, timeout=60)
    kill_hard(worker)
    assert stack.sent() < 2 * GUESTS, "the worker was killed after everything was sent"
    stack.start_worker(PACED)

    stack.wait_state(first["update"]["id"], "completed")
    stack.wait_sent(2 * GUESTS, timeout=60)

    messages = stack.emulator.messages()
    per_guest = Counter((m["to"], m["content_sid"]) for m in messages)
    assert set(per_guest.values()) == {1}, "a guest got a message twice"
    assert len(per_guest) == 2 * GUESTS
    passes = [m for m in messages if m["content_sid"] == PASS_SID]
    assert {m["to"] for m in passes} == {f"whatsapp:{phone(i)}" for i in range(GUESTS)}
    paths = {json.loads(m["content_variables"])["pass_path"] for m in passes}
    assert len(paths) == GUESTS and all(path.endswith(".png") for path in paths)
    assert (
        scalar(
            engine,
            "SELECT count(*) FROM invitations WHERE kind = 'pass' AND send_state = 'accepted'",
        )
        == GUESTS
    )
    assert scalar(engine, "SELECT count(*) FROM message_attempts WHERE status = 'in_flight'") == 0
