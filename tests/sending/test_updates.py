"""An event's changes told to the right guests once per change, and a canceled event, in
process: audiences, rounds, withdrawals, the plain-text fallback, sends to the emulator.

tests/sending/test_update_processes.py does it with gunicorn, the worker and a kill -9.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, text

from app.extensions import db
from app.models.base import utcnow
from app.services import campaigns, event_changes, event_edits
from app.services.campaigns import ConflictError
from app.services.event_changes import Audience
from app.tasks.sending import run_sweep, send_due_invitations
from tests.support.apps import fresh_app
from tests.support.constants import API_AUTH
from tests.support.database import scalar
from tests.support.emulator import Emulator
from tests.support.factories import insert_guests, invite_all, make_inbound, phone

UPDATE_SID = "HX" + "0123456789abcdef" * 2
SPANISH_UPDATE_SID = "HX" + "6" * 32
CANCELLATION_SID = "HX" + "7" * 32
REMINDER_SID = "HX" + "abcdef0123456789" * 2
FOLLOWUP_SID = "HX" + "fedcba9876543210" * 2
ANSWERS: list[str | None] = ["confirmed", "confirmed", "declined", "maybe", None]


@pytest.fixture
def app(send_env: dict[str, str], sending_knobs: dict[str, str]) -> Iterator[Flask]:
    """An app with update, cancellation, reminder and follow-up templates."""
    env = {
        **send_env,
        "TWILIO_UPDATE_CONTENT_SID": UPDATE_SID,
        "TWILIO_UPDATE_CONTENT_SIDS": f"es={SPANISH_UPDATE_SID}",
        "TWILIO_CANCELLATION_CONTENT_SID": CANCELLATION_SID,
        "TWILIO_REMINDER_CONTENT_SID": REMINDER_SID,
        "TWILIO_FOLLOWUP_CONTENT_SID": FOLLOWUP_SID,
    }
    with fresh_app(env) as app, app.app_context():
        yield app


@pytest.fixture
def engine(app: Flask) -> Engine:
    """The engine of `app` (whose context is the current one)."""
    return db.engine


def invited(engine: Engine, answers: list[str | None], **event: object) -> int:
    """An event whose guests were invited (delivered 4 days ago) and answered `answers`."""
    event_id = insert_guests(engine, len(answers), **event)  # type: ignore[arg-type]
    invite_all(engine, event_id, answers, delivered_ago=timedelta(days=4))
    return event_id


def move(event_id: int, hours: float) -> None:
    """Move the event's start by `hours`, as the organiser's edit does."""
    event = campaigns.event(event_id)
    assert event.starts_at is not None
    event_edits.update_event(event_id, {"starts_at": event.starts_at + timedelta(hours=hours)})


def sent(emulator: Emulator, *sids: str) -> list[str]:
    """The numbers the emulator accepted a message of these templates for, in order."""
    return sorted(
        m["to"].removeprefix("whatsapp:") for m in emulator.messages() if m["content_sid"] in sids
    )


def test_each_change_reaches_the_confirmed_guests_once_however_often_it_is_saved(
    app: Flask, engine: Engine, emulator: Emulator
) -> None:
    event_id = invited(engine, ANSWERS, languages={1: "es"})
    move(event_id, 2)
    first = event_changes.notify_change(event_id, Audience())
    assert first.created and first.campaign.round == 1 and first.campaign.total == 2
    assert send_due_invitations()["accepted"] == 2

    # The organiser saves the same values again and confirms again: nothing new.
    event = campaigns.event(event_id)
    event_edits.update_event(event_id, {"starts_at": event.starts_at, "venue": event.venue})
    again = event_changes.notify_change(event_id, Audience())
    assert not again.created and again.campaign.id == first.campaign.id
    assert scalar(engine, "SELECT calendar_sequence FROM events WHERE id = :e", e=event_id) == 1

    # A second change is told once more, to the same guests.
    event_edits.update_event(event_id, {"venue": "Rooftop"})
    second = event_changes.notify_change(event_id, Audience())
    assert second.created and second.campaign.round == 2
    send_due_invitations()

    assert sent(emulator, UPDATE_SID) == [phone(0), phone(0)]
    assert sent(emulator, SPANISH_UPDATE_SID) == [phone(1), phone(1)]
    variables = [json.loads(m["content_variables"]) for m in emulator.messages()]
    assert variables[-1]["4"] == "Rooftop" and "2" in variables[-1]
    rounds = scalar(
        engine,
        "SELECT string_agg(DISTINCT round::text, ',') FROM invitations WHERE kind = 'update'",
    )
    assert rounds == "1,2"
    # The invitations themselves stay one per guest, round 0.
    assert scalar(engine, "SELECT count(*) FROM invitations WHERE kind = 'invitation'") == 5


def test_maybe_and_unanswered_guests_hear_when_the_organiser_says_so(
    app: Flask, engine: Engine, emulator: Emulator
) -> None:
    event_id = invited(engine, ANSWERS)
    move(event_id, -1)
    plain = event_changes.preview(event_id, Audience())
    wider = event_changes.preview(event_id, Audience(include_maybe=True, include_unanswered=True))
    assert (plain.recipients, wider.recipients) == (2, 4)

    event_changes.notify_change(event_id, Audience(include_maybe=True, include_unanswered=True))
    send_due_invitations()

    assert sent(emulator, UPDATE_SID) == [phone(0), phone(1), phone(3), phone(4)]


def test_a_newer_change_withdraws_the_older_update_still_queued(
    app: Flask, engine: Engine, emulator: Emulator
) -> None:
    event_id = invited(engine, ["confirmed"] * 3)
    move(event_id, 1)
    older = event_changes.notify_change(event_id, Audience()).campaign
    move(event_id, 1)
    newer = event_changes.notify_change(event_id, Audience())

    assert newer.withdrawn == [older.id]
    send_due_invitations()
    assert sent(emulator, UPDATE_SID) == [phone(0), phone(1), phone(2)]
    assert scalar(engine, "SELECT state FROM campaigns WHERE id = :c", c=older.id) == "canceled"


def test_a_guest_who_declines_after_the_update_was_queued_is_not_told(
    app: Flask, engine: Engine, emulator: Emulator
) -> None:
    event_id = invited(engine, ["confirmed"] * 2)
    move(event_id, 3)
    event_changes.notify_change(event_id, Audience())
    with engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE invitations SET rsvp = 'declined' FROM guests g WHERE"
                " g.id = invitations.guest_id AND g.phone = :p AND invitations.kind = 'invitation'"
            ),
            {"p": phone(1)},
        )

    report = send_due_invitations()

    assert report["accepted"] == 1 and report["refused"] == 1
    assert sent(emulator, UPDATE_SID) == [phone(0)]


def test_without_a_template_only_guests_inside_their_window_get_the_plain_words(
    send_env: dict[str, str], sending_knobs: dict[str, str], emulator: Emulator
) -> None:
    with fresh_app(send_env) as app, app.app_context():
        event_id = invited(db.engine, ["confirmed", "confirmed"], languages={0: "es"})
        make_inbound(app, from_phone=f"whatsapp:{phone(0)}", received_at=utcnow())
        move(event_id, 2)
        plan = event_changes.preview(event_id, Audience())
        assert not plan.missing_template and "24 hours" in " ".join(plan.warnings)
        event_changes.notify_change(event_id, Audience())
        send_due_invitations()

        (message,) = emulator.messages()
        assert message["to"] == f"whatsapp:{phone(0)}" and message["content_sid"] is None
        assert message["body"].startswith("Hola Guest 0, Gala ha cambiado. Ahora es el ")
        failed = scalar(
            db.engine, "SELECT error_code FROM invitations WHERE kind = 'update' AND"
            " send_state = 'failed'"
        )  # fmt: skip
        assert failed == 63016


def test_a_follow_up_stops_at_the_new_start_and_a_reminder_moves_with_it(
    app: Flask, engine: Engine, emulator: Emulator
) -> None:
    event_id = invited(engine, ["confirmed", None], starts_at=timedelta(days=2))
    reminder, _ = campaigns.schedule_reminder(event_id, hours_before=24)
    followup, _ = campaigns.create_followup(event_id, after_days=3)
    before = reminder.send_at
    assert before is not None

    move(event_id, 5)
    assert campaigns.get_campaign(reminder.id).send_at == before + timedelta(hours=5)

    # Moved to a start that has come: the queued follow-up is withdrawn, the campaign ends.
    with engine.begin() as connection:
        connection.execute(text("UPDATE campaigns SET state = 'canceled' WHERE id = :c"),
                           {"c": reminder.id})  # fmt: skip
    event_edits.update_event(event_id, {"starts_at": utcnow() - timedelta(minutes=1)})
    assert send_due_invitations()["accepted"] == 0
    run_sweep(app)
    assert sent(emulator, FOLLOWUP_SID) == []
    assert scalar(engine, "SELECT state FROM campaigns WHERE id = :c", c=followup.id) == "completed"


def test_a_canceled_event_tells_every_invited_guest_once_and_withdraws_the_rest(
    app: Flask, engine: Engine, emulator: Emulator
) -> None:
    event_id = invited(engine, ANSWERS)
    insert_guests(engine, 0)  # another event, untouched
    reminder, _ = campaigns.schedule_reminder(event_id, hours_before=2)
    followup, _ = campaigns.create_followup(event_id, after_days=3)
    assert scalar(engine, "SELECT count(*) FROM invitations WHERE kind = 'followup'") == 1

    canceled = event_changes.cancel_event(event_id)

    assert set(canceled.campaigns) == {reminder.id, followup.id}
    assert canceled.cancellation is not None and canceled.cancellation.total == 5
    assert canceled.event.calendar_sequence == 1 and canceled.event.canceled_at is not None
    send_due_invitations()
    assert sent(emulator, CANCELLATION_SID) == [phone(i) for i in range(5)]
    assert sent(emulator, FOLLOWUP_SID, REMINDER_SID) == []

    again = event_changes.cancel_event(event_id)
    assert again.already and again.cancellation is not None
    assert again.cancellation.id == canceled.cancellation.id
    with pytest.raises(ConflictError, match="canceled"):
        campaigns.create_campaign(event_id)
    with pytest.raises(ConflictError, match="canceled"):
        event_changes.notify_change(event_id, Audience())
    send_due_invitations()
    assert len(emulator.messages()) == 5


def test_the_api_edits_and_tells_in_one_request_and_a_second_save_changes_nothing(
    app: Flask, engine: Engine
) -> None:
    event_id = invited(engine, ANSWERS, time_zone="Europe/Lisbon")
    client = app.test_client()
    body = {"starts_at": "2027-06-23T21:30", "notify": True, "notify_maybe": True}

    first = client.patch(f"/api/v1/events/{event_id}", json=body, headers=API_AUTH)
    second = client.patch(f"/api/v1/events/{event_id}", json=body, headers=API_AUTH)

    assert first.status_code == second.status_code == 200, first.get_json()
    told, retold = first.get_json()["update"], second.get_json()["update"]
    assert told["created"] and told["kind"] == "update" and told["total"] == 3
    assert told["include_maybe"] and told["round"] == 1
    assert not retold["created"] and retold["id"] == told["id"]
    assert first.get_json()["calendar_sequence"] == second.get_json()["calendar_sequence"] == 1
    assert not first.get_json()["untold_change"]

    preflight = client.get(
        f"/api/v1/events/{event_id}/updates/preflight?include_unanswered=1", headers=API_AUTH
    ).get_json()
    assert preflight["recipients"] == 1 and preflight["already_told"] == told["id"]
    repeat = client.post(f"/api/v1/events/{event_id}/updates", json={}, headers=API_AUTH)
    assert repeat.status_code == 200 and repeat.get_json()["id"] == told["id"]

    moved = client.patch(f"/api/v1/events/{event_id}", json={"venue": "Pier"}, headers=API_AUTH)
    assert moved.get_json()["untold_change"] and moved.get_json()["update"] is None
    bad = client.post(
        f"/api/v1/events/{event_id}/updates", json={"include_maybe": "yes"}, headers=API_AUTH
    )
    assert bad.status_code == 400

    done = client.post(f"/api/v1/events/{event_id}/cancel", json={}, headers=API_AUTH)
    assert done.status_code == 200
    found = done.get_json()
    assert found["canceled_at"] and found["cancellation"]["total"] == 5
    assert found["canceled_campaigns"] == [told["id"]]
    refused = client.post(f"/api/v1/events/{event_id}/updates", json={}, headers=API_AUTH)
    assert refused.status_code == 409


def test_two_saves_at_once_are_two_rounds_and_the_last_message_tells_the_final_state(
    app: Flask, engine: Engine, emulator: Emulator
) -> None:
    event_id = invited(engine, ["confirmed", "confirmed", "confirmed"])
    client_a, client_b = app.test_client(), app.test_client()
    gate = threading.Barrier(2)

    def save(client: FlaskClient, venue: str) -> dict[str, Any]:
        gate.wait()  # both requests at once: each edits, then tells, under the event's lock
        response = client.patch(
            f"/api/v1/events/{event_id}", json={"venue": venue, "notify": True}, headers=API_AUTH
        )
        assert response.status_code == 200, response.get_json()
        found: dict[str, Any] = response.get_json()
        return found

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(save, (client_a, client_b), ("Rooftop", "Cellar")))

    updates = [answer["update"] for answer in answers]
    assert all(update["created"] for update in updates), "two changes merged into one round"
    assert sorted(update["round"] for update in updates) == [1, 2]
    assert scalar(engine, "SELECT calendar_sequence FROM events WHERE id = :e", e=event_id) == 2
    last = next(a for a in answers if a["update"]["round"] == 2)
    final = scalar(engine, "SELECT venue FROM events WHERE id = :e", e=event_id)
    assert last["venue"] == final  # the later save is the event's state

    send_due_invitations()
    rounds = scalar(
        engine,
        "SELECT string_agg(round::text || ':' || send_state, ',' ORDER BY round, id)"
        " FROM invitations WHERE kind = 'update'",
    )
    assert rounds.count("2:accepted") == 3, rounds  # the later round reaches every guest
    per_guest: dict[str, list[dict[str, str]]] = {}
    for message in emulator.messages():
        per_guest.setdefault(message["to"], []).append(json.loads(message["content_variables"]))
    assert len(per_guest) == 3
    for told in per_guest.values():
        assert 1 <= len(told) <= 2  # at most one message per change
        assert told[-1]["4"] == final
