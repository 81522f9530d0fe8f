"""The Messages page's templates of the kinds sent outside the 24-hour window (an update, a
seat offer), through the emulator's Content API: submitted and approved, then chosen by the
engine for the guest's language and rendered by the emulator with their own variables."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import Engine

from app.extensions import db
from app.models import MessageKind
from app.sending import waitlist
from app.services import event_changes, event_edits, templates
from app.services.event_changes import Audience
from app.services.template_sync import sync_templates
from app.tasks.sending import send_due_invitations
from tests.support.apps import fresh_app
from tests.support.database import execute, query
from tests.support.emulator import Emulator
from tests.support.factories import insert_guests, invite, invite_all, make_event, make_guests
from tests.support.polling import eventually

pytestmark = pytest.mark.slow

START = datetime(2027, 6, 5, 17, 30, tzinfo=UTC)


@pytest.fixture
def app(send_env: dict[str, str], sending_knobs: dict[str, str]) -> Iterator[Flask]:
    """The engine's app, with no update or offer template in its environment."""
    with fresh_app(send_env) as app, app.app_context():
        yield app


def approved(app: Flask, emulator: Emulator, *drafts: templates.Draft) -> None:
    """Save the drafts as the Messages page does, and sync them until WhatsApp approves."""
    emulator.configure(content_approval_delay="0")
    for draft in drafts:
        templates.save(draft)

    def all_approved() -> bool:
        sync_templates(app.config["SETTINGS"])
        db.session.expire_all()
        rows = query(app, "SELECT status FROM message_templates")
        return {row.status for row in rows} == {"approved"}

    assert eventually(all_approved, 10, 0.2)


def bodies(emulator: Emulator) -> dict[str, str]:
    """The body of each message the emulator accepted, by number."""
    return {m["to"].removeprefix("whatsapp:"): m["body"] for m in emulator.messages()}


def test_an_approved_update_tells_each_guest_what_changed_in_their_language(
    app: Flask, emulator: Emulator
) -> None:
    approved(
        app,
        emulator,
        templates.Draft(
            MessageKind.UPDATE,
            "en",
            "Hi {guest}, we changed {changed} of {event}. It is now on {when} at {venue}. See you!",
            (),
        ),
        templates.Draft(
            MessageKind.UPDATE,
            "es",
            "Hola {guest}, cambiamos {changed} de {event}. Ahora es el {when} en {venue}."
            " ¡Te esperamos allí!",
            (),
        ),
    )
    engine: Engine = db.engine
    event_id = insert_guests(
        engine, 2, languages={1: "es"}, starts_at=START, time_zone="Europe/Madrid"
    )  # type: ignore[arg-type]
    invite_all(engine, event_id, ["confirmed", "confirmed"], delivered_ago=timedelta(days=4))
    execute(app, "UPDATE events SET name = 'Gala', venue = 'Hall' WHERE id = :e", e=event_id)
    event_edits.update_event(event_id, {"starts_at": START + timedelta(hours=2), "venue": "Roof"})

    notified = event_changes.notify_change(event_id, Audience())
    assert notified.campaign.changes == ["time", "venue"]
    assert send_due_invitations()["accepted"] == 2

    [english, spanish] = sorted(bodies(emulator).values())
    assert english.startswith("Hi ") and "we changed the time and the venue of Gala" in english
    assert "Sat, Jun 5, 2027, 9:30\u202fPM · Spain (Madrid) Time" in english
    assert english.endswith("at Roof. See you!")
    assert "cambiamos la hora y el lugar de Gala" in spanish and "21:30" in spanish
    sids = {m["content_sid"] for m in emulator.messages()}
    rows = query(app, "SELECT approved_sid FROM message_templates")
    assert sids == {row.approved_sid for row in rows}  # one per language
    assert query(app, "SELECT untold_changes FROM events")[0].untold_changes == []


def test_an_approved_offer_shows_when_its_hold_ends_and_carries_claim_and_pass(
    app: Flask, emulator: Emulator
) -> None:
    body = "Hi {guest}, a seat at {event} is free for you until {until}. Do you want it?"
    approved(
        app,
        emulator,
        templates.Draft(MessageKind.OFFER, "en", body, (("claim", "Claim"), ("pass", "Pass"))),
    )
    event_id = make_event(app, "Gala", capacity=1, starts_at=START, time_zone="UTC")
    [guest_id] = make_guests(app, event_id, [("Ann", "+12025550100")])
    invite(app, guest_id, rsvp="confirmed")
    execute(app, "UPDATE guests SET waitlisted_at = now() WHERE id = :g", g=guest_id)
    assert waitlist.offer_freed_seats(db.engine) == 1
    execute(app, "UPDATE offers SET hold_until = :h", h=datetime(2027, 6, 4, 21, 0, tzinfo=UTC))

    assert send_due_invitations()["accepted"] == 1

    [message] = emulator.messages()
    assert message["body"] == (
        "Hi Ann, a seat at Gala is free for you until Fri, Jun 4, 2027, 9:00\u202fPM · UTC."
        " Do you want it?"
    )
    [content] = emulator.get("/contents")["contents"]
    assert content["sid"] == message["content_sid"]
