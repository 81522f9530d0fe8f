"""After the event, in process: a thank-you to the guests who checked in and a
sorry-we-missed-you to the seated guests who confirmed and did not, once each, only after
the start, with their own templates.

tests/sending/test_after_event_processes.py does it with gunicorn, the worker and a kill -9.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import Engine, text

from app.extensions import db
from app.models.base import utcnow
from app.services import campaigns
from app.services.campaigns import CampaignError, ConflictError
from app.tasks.sending import run_sweep, send_due_invitations
from tests.support.apps import fresh_app
from tests.support.constants import API_AUTH
from tests.support.emulator import Emulator
from tests.support.factories import insert_guests, invite_all, phone

THANKS_SID = "HX" + "8" * 32
MISSED_SID = "HX" + "9" * 32
# Guests 0-1 came in, 2 did not, 3 declined, 4 said maybe, 5 waited for a seat and did not.
ANSWERS: list[str | None] = [
    "confirmed",
    "confirmed",
    "confirmed",
    "declined",
    "maybe",
    "confirmed",
]


@pytest.fixture
def app(send_env: dict[str, str], sending_knobs: dict[str, str]) -> Iterator[Flask]:
    """An app with thank-you and missed-you templates."""
    env = {
        **send_env,
        "TWILIO_THANKS_CONTENT_SID": THANKS_SID,
        "TWILIO_MISSED_CONTENT_SID": MISSED_SID,
    }
    with fresh_app(env) as app, app.app_context():
        yield app


@pytest.fixture
def engine(app: Flask) -> Engine:
    """The engine of `app` (whose context is the current one)."""
    return db.engine


def execute(engine: Engine, sql: str, **params: object) -> None:
    """Run one statement in its own transaction."""
    with engine.begin() as connection:
        connection.execute(text(sql), params)


def check_in(engine: Engine, *indexes: int) -> None:
    """Let the guests at `indexes` in at the door."""
    execute(
        engine,
        "INSERT INTO checkins (event_id, guest_id, people, scanned_at)"
        " SELECT g.event_id, g.id, 1, now() FROM guests g WHERE g.phone = ANY(:phones)",
        phones=[phone(i) for i in indexes],
    )


def the_night(engine: Engine, started: timedelta = timedelta(hours=-3)) -> int:
    """The event (started `-started` ago) and its guests as ANSWERS says, two of them in."""
    event_id = insert_guests(engine, len(ANSWERS), starts_at=started)
    invite_all(engine, event_id, ANSWERS)
    execute(engine, "UPDATE guests SET waitlisted_at = now() WHERE phone = :p", p=phone(5))
    check_in(engine, 0, 1)
    return event_id


def sent(emulator: Emulator, sid: str) -> list[str]:
    """The numbers the emulator accepted a message of this template for."""
    return sorted(
        m["to"].removeprefix("whatsapp:") for m in emulator.messages() if m["content_sid"] == sid
    )


def test_the_guests_who_came_are_thanked_and_the_others_missed_once_each(
    app: Flask, engine: Engine, emulator: Emulator
) -> None:
    event_id = the_night(engine)

    thanks, thanks_plan = campaigns.create_after_event(event_id, "thanks")
    missed, missed_plan = campaigns.create_after_event(event_id, "missed")

    assert (thanks.total, missed.total) == (2, 1)
    assert (thanks_plan.recipients, missed_plan.recipients) == (2, 1)
    assert send_due_invitations()["accepted"] == 3
    assert sent(emulator, THANKS_SID) == [phone(0), phone(1)]
    assert sent(emulator, MISSED_SID) == [phone(2)]
    run_sweep(app)
    for kind in ("thanks", "missed"):
        with pytest.raises(ConflictError, match="left to"):
            campaigns.create_after_event(event_id, kind)
    assert len(emulator.messages()) == 3


def test_nothing_goes_before_the_start_and_a_guest_who_comes_late_is_not_missed(
    app: Flask, engine: Engine, emulator: Emulator
) -> None:
    event_id = the_night(engine, started=timedelta(hours=2))
    with pytest.raises(ConflictError, match="not started"):
        campaigns.create_after_event(event_id, "thanks")
    with pytest.raises(CampaignError, match="after the event's start"):
        campaigns.create_after_event(event_id, "missed", utcnow() + timedelta(hours=1))
    with pytest.raises(CampaignError, match="must be one of"):
        campaigns.create_after_event(event_id, "reminder")
    scheduled, _ = campaigns.create_after_event(event_id, "missed", utcnow() + timedelta(hours=3))
    assert scheduled.state == "scheduled"

    # The night comes; guest 2 arrives late, after the missed-you was queued.
    execute(engine, "UPDATE events SET starts_at = now() - interval '1 hour' WHERE id = :e",
            e=event_id)  # fmt: skip
    execute(engine, "UPDATE campaigns SET send_at = now() WHERE id = :c", c=scheduled.id)
    assert run_sweep(app).started == 1
    check_in(engine, 2)
    report = send_due_invitations()

    assert report["accepted"] == 0 and report["refused"] == 1
    reason = db.session.execute(
        text("SELECT error_reason FROM invitations WHERE kind = 'missed'")
    ).scalar_one()
    assert reason == "the guest checked in"
    assert emulator.messages() == []


def test_the_api_thanks_once_and_says_why_it_cannot_yet(app: Flask, engine: Engine) -> None:
    event_id = the_night(engine)
    later = the_night(engine, started=timedelta(days=1))
    client = app.test_client()

    first = client.post(f"/api/v1/events/{event_id}/thanks", headers=API_AUTH)
    again = client.post(f"/api/v1/events/{event_id}/thanks", headers=API_AUTH)
    early = client.post(f"/api/v1/events/{later}/missed", json={}, headers=API_AUTH)
    plan = client.get(
        f"/api/v1/events/{event_id}/campaigns/preflight?kind=missed", headers=API_AUTH
    ).get_json()

    assert first.status_code == 201 and first.get_json()["kind"] == "thanks"
    assert first.get_json()["total"] == 2
    assert again.status_code == 409
    assert early.status_code == 409 and "not started" in early.get_json()["message"]
    assert plan["recipients"] == 1 and plan["kind"] == "missed"
