"""A guest's conversation: the organiser's replies, sent by the engine inside the guest's
24-hour window, and the messages that need an answer until the organiser gives one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, literal, select, text

from app.emulator.config import DEFAULT_AUTH_TOKEN
from app.extensions import db
from app.services import conversations, events
from app.services.campaigns import NotFoundError
from app.tasks.sending import send_due_invitations
from tests.support.apps import fresh_app
from tests.support.constants import API_AUTH
from tests.support.database import scalar
from tests.support.emulator import Emulator
from tests.support.factories import insert_guests, invite_all, phone
from tests.support.webhooks import INBOUND, inbound_form, signed_post

PUBLIC = "https://invites.example.org"


@pytest.fixture
def app(send_env: dict[str, str], sending_knobs: dict[str, str]) -> Iterator[Flask]:
    """An app in an app context; tables and Redis emptied afterwards."""
    with fresh_app(send_env) as app, app.app_context():
        yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of the app."""
    return app.test_client()


def guest_writes(client: FlaskClient, number: str, body: str) -> None:
    """The guest at `number` sends `body` (a signed inbound webhook)."""
    form = inbound_form(number, body)
    response = signed_post(client, INBOUND, form, token=DEFAULT_AUTH_TOKEN, url=PUBLIC + INBOUND)
    assert response.status_code == 200


def invited_guest(engine: Engine, answer: str | None = None) -> tuple[int, int]:
    """An event with one guest whose invitation was delivered; (event id, guest id)."""
    event_id = insert_guests(engine, 1)
    invite_all(engine, event_id, [answer], delivered_ago=timedelta(days=2))
    return event_id, scalar(engine, "SELECT id FROM guests WHERE event_id = :e", e=event_id)


def thread_of(client: FlaskClient, guest_id: int) -> dict[str, Any]:
    """The guest's conversation as the API gives it."""
    response = client.get(f"/api/v1/guests/{guest_id}/messages", headers=API_AUTH)
    assert response.status_code == 200, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def test_a_reply_inside_the_window_is_sent_once_and_shows_in_the_thread(
    app: Flask, client: FlaskClient, emulator: Emulator
) -> None:
    _, guest_id = invited_guest(db.engine, "confirmed")
    stats_before = events.event_stats(scalar(db.engine, "SELECT event_id FROM guests"))
    guest_writes(client, phone(0), "Is there parking?")

    posted = client.post(
        f"/api/v1/guests/{guest_id}/messages",
        json={"body": "Yes, behind the hall."},
        headers=API_AUTH,
    )
    again = client.post(
        f"/api/v1/guests/{guest_id}/messages",
        json={"body": "Yes, behind the hall."},
        headers=API_AUTH,
    )  # a double click

    assert posted.status_code == 202, posted.get_json()
    assert again.get_json()["id"] == posted.get_json()["id"]
    send_due_invitations()
    sent = [m for m in emulator.messages() if m["body"] == "Yes, behind the hall."]
    assert [m["to"] for m in sent] == [f"whatsapp:{phone(0)}"]
    thread = thread_of(client, guest_id)
    assert [(m["direction"], m["kind"]) for m in thread["messages"]] == [
        ("out", "invitation"),
        ("in", "text"),
        ("out", "reply"),
    ]
    invitation, question, reply = thread["messages"]
    assert invitation["body"] is None  # sent with a template: its words are Twilio's
    assert reply["body"] == "Yes, behind the hall." and reply["status"] in (
        "accepted",
        "queued",
        "sent",
        "delivered",
    )
    assert question["needs_answer"] is False  # answered by the reply after it
    assert thread["window_open"] is True
    # A reply is not a guest's invitation: the event's figures do not move.
    assert events.event_stats(scalar(db.engine, "SELECT event_id FROM guests")) == stats_before


def test_outside_the_window_a_reply_is_refused_and_nothing_is_queued(
    app: Flask, client: FlaskClient
) -> None:
    _, guest_id = invited_guest(db.engine)

    never = client.post(
        f"/api/v1/guests/{guest_id}/messages", json={"body": "Hi"}, headers=API_AUTH
    )
    assert never.status_code == 409
    assert "has never written" in never.get_json()["message"]
    guest_writes(client, phone(0), "hola")
    with db.engine.begin() as connection:
        connection.execute(
            text("UPDATE inbound_messages SET received_at = now() - interval '3 days'")
        )
    late = client.post(f"/api/v1/guests/{guest_id}/messages", json={"body": "Hi"}, headers=API_AUTH)

    assert late.status_code == 409
    assert "last wrote 3 days ago" in late.get_json()["message"]
    assert scalar(db.engine, "SELECT count(*) FROM invitations WHERE kind = 'reply'") == 0
    assert thread_of(client, guest_id)["window_open"] is False


def test_a_window_that_closes_before_the_claim_withdraws_the_reply(
    app: Flask, client: FlaskClient, emulator: Emulator
) -> None:
    _, guest_id = invited_guest(db.engine)
    guest_writes(client, phone(0), "¿A qué hora empieza?")
    conversations.send_reply(guest_id, "A las ocho.")
    with db.engine.begin() as connection:  # the reply waited (a paused worker) past the window
        connection.execute(
            text("UPDATE inbound_messages SET received_at = now() - interval '25 hours'")
        )

    send_due_invitations()

    row = db.session.execute(
        text("SELECT send_state, error_reason FROM invitations WHERE kind = 'reply'")
    ).one()
    assert row.send_state == "canceled"
    assert "24-hour window closed" in row.error_reason
    assert not [m for m in emulator.messages() if m["body"] == "A las ocho."]


@pytest.mark.parametrize(
    "body",
    ["", "   ", "\u200b\u200b", "x" * 1601],
)
def test_a_reply_must_be_visible_text_within_whatsapps_limit(
    app: Flask, client: FlaskClient, body: str
) -> None:
    _, guest_id = invited_guest(db.engine)
    guest_writes(client, phone(0), "hi")
    response = client.post(
        f"/api/v1/guests/{guest_id}/messages", json={"body": body}, headers=API_AUTH
    )
    assert response.status_code == 400
    assert "1 to 1600 characters" in response.get_json()["message"]
    assert scalar(db.engine, "SELECT count(*) FROM invitations WHERE kind = 'reply'") == 0


@pytest.mark.parametrize(
    ("payload", "status", "message"),
    [
        ({}, 400, "'body' is required"),
        ({"body": 7}, 400, "'body' is required"),
        ({"body": "hi", "to": "+1"}, 400, "unknown field 'to'"),
        ([], 400, "must be a JSON object"),
    ],
)
def test_bad_reply_requests_change_nothing(
    app: Flask, client: FlaskClient, payload: Any, status: int, message: str
) -> None:
    _, guest_id = invited_guest(db.engine)
    guest_writes(client, phone(0), "hi")
    response = client.post(f"/api/v1/guests/{guest_id}/messages", json=payload, headers=API_AUTH)
    assert response.status_code == status
    assert message in response.get_json()["message"]
    missing = client.post("/api/v1/guests/999999/messages", json={"body": "hi"}, headers=API_AUTH)
    assert missing.status_code == 404
    assert client.get("/api/v1/guests/999999/messages", headers=API_AUTH).status_code == 404
    assert scalar(db.engine, "SELECT count(*) FROM invitations WHERE kind = 'reply'") == 0


def test_an_answer_that_asks_sets_the_rsvp_and_still_needs_an_answer(
    app: Flask, client: FlaskClient
) -> None:
    _, guest_id = invited_guest(db.engine)
    guest_writes(client, phone(0), "Sí, iremos… ¿hay aparcamiento?")

    assert (
        scalar(db.engine, "SELECT rsvp FROM invitations WHERE kind = 'invitation'") == "confirmed"
    )
    first = thread_of(client, guest_id)["messages"][-1]
    assert (first["kind"], first["needs_answer"]) == ("rsvp", True)
    needs = conversations.inbox_page(10, None, None, needs_answer=True)
    assert [row.InboundMessage.body for row in needs] == ["Sí, iremos… ¿hay aparcamiento?"]

    dismissed = client.post(f"/api/v1/messages/{first['id']}/dismiss", headers=API_AUTH)

    assert dismissed.status_code == 200 and dismissed.get_json()["dismissed_at"]
    assert thread_of(client, guest_id)["messages"][-1]["needs_answer"] is False
    assert conversations.inbox_page(10, None, None, needs_answer=True) == []
    assert client.post("/api/v1/messages/999999/dismiss", headers=API_AUTH).status_code == 404


def test_an_answer_that_asks_without_a_question_mark_still_needs_an_answer(
    app: Flask, client: FlaskClient
) -> None:
    _, guest_id = invited_guest(db.engine)
    guest_writes(client, phone(0), "sí, puedo llevar a mi hijo")

    assert (
        scalar(db.engine, "SELECT rsvp FROM invitations WHERE kind = 'invitation'") == "confirmed"
    )
    first = thread_of(client, guest_id)["messages"][-1]
    assert (first["kind"], first["needs_answer"]) == ("rsvp", True)


@pytest.mark.parametrize(
    ("body", "asks"),
    [
        ("yes, can I bring my son", True),
        ("Yes! Where is it", True),
        ("Sí, ¿a qué hora empieza", True),
        ("sí, puedo llevar a mi hijo", True),
        ("Sim, posso levar meu filho", True),
        ("Oui, puis-je venir avec ma sœur", True),
        ("Oui, à quelle heure", True),
        ("نعم، هل أقدر أجيب ابني", True),
        ("نعم، ممكن أجيب ولدي", True),
        ("Yes, I'll be there", False),
        ("Yes I can come, see you", False),
        ("this is it, I will do it", False),
        ("Sí, allí estaré", False),
        ("Sim, estarei lá", False),
        ("Oui, je viens avec ma sœur", False),
        ("نعم سأحضر", False),
    ],
)
def test_a_question_is_seen_with_or_without_its_mark(app: Flask, body: str, asks: bool) -> None:
    found = db.session.scalar(select(literal(body).regexp_match(conversations.ASKING, flags="i")))
    assert found is asks


def test_the_same_reply_later_is_a_second_message(app: Flask, client: FlaskClient) -> None:
    _, guest_id = invited_guest(db.engine)
    guest_writes(client, phone(0), "hi")
    first = conversations.send_reply(guest_id, "Thanks!")
    with db.engine.begin() as connection:
        connection.execute(
            text("UPDATE invitations SET created_at = now() - interval '1 minute' WHERE id = :i"),
            {"i": first.id},
        )
    second = conversations.send_reply(guest_id, "Thanks!")
    assert second.id != first.id
    with pytest.raises(NotFoundError):
        conversations.send_reply(999999, "hi")


def test_an_invitation_sent_without_a_template_shows_its_text_in_the_guests_language(
    send_env: dict[str, str], sending_knobs: dict[str, str]
) -> None:
    env = {**send_env, "TWILIO_INVITE_CONTENT_SID": ""}
    with fresh_app(env) as app, app.app_context():
        _, guest_id = invited_guest(db.engine)
        db.session.execute(text("UPDATE guests SET language = 'fr'"))
        db.session.commit()

        (invitation,) = thread_of(app.test_client(), guest_id)["messages"]

    assert invitation["body_derived"] is True
    assert invitation["body"].startswith("Bonjour ")
