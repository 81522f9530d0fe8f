"""Head counts through the inbound webhook: a party stated with a yes, asked for after a yes,
sent alone as a number, refused beyond the allowance, and moved by a change of mind."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.services import conversations
from app.services.conversations import inbox_page
from tests.support.database import execute, query, scalar
from tests.support.factories import Seeded, seed
from tests.support.webhooks import (
    INBOUND,
    asked_apart,
    button_form,
    inbound_form,
    signed_post,
    told,
)

PHONE = "+14155550100"
SPANISH = "+34612345678"


def reply_text(body: bytes) -> str | None:
    """The text of the TwiML <Message>, or None for an empty <Response/>."""
    message = ET.fromstring(body).find("Message")
    return None if message is None else message.text


def seeded(app: Flask, phone: str = PHONE, plus_ones: int = 2, own: int | None = None) -> Seeded:
    """An invited guest of an event whose guests may bring `plus_ones` (the guest: `own`)."""
    found = seed(app, phone)
    execute(app, "UPDATE events SET plus_ones = :n WHERE id = :id", n=plus_ones, id=found.event_id)
    execute(app, "UPDATE guests SET plus_ones = :n WHERE id = :id", n=own, id=found.guest_id)
    return found


def say(client: FlaskClient, body: str, phone: str = PHONE) -> str | None:
    """Post a typed message; what the guest is told (the reply's text, then "how many of
    you?" sent apart with buttons, as its text)."""
    before = len(asked_apart(client.application))
    response = signed_post(client, INBOUND, inbound_form(phone, body))
    assert response.status_code == 200
    return told(client.application, reply_text(response.data), before)


def state(app: Flask, found: Seeded) -> tuple[str | None, int | None]:
    """The guest's RSVP and party size."""
    [row] = query(
        app,
        "SELECT i.rsvp, g.party_size FROM guests g JOIN invitations i ON i.guest_id = g.id"
        " AND i.kind = 'invitation'"
        " WHERE g.id = :id",
        id=found.guest_id,
    )
    return row.rsvp, row.party_size


def needing_answer(app: Flask) -> list[str]:
    """The bodies of the inbox's messages that need an answer."""
    with app.app_context():
        return [row.InboundMessage.body for row in inbox_page(50, None, None, True)]


@pytest.mark.parametrize(
    ("phone", "body", "party"),
    [
        (PHONE, "Yes! We'll be 3", 3),
        (SPANISH, "seremos tres", 3),
        ("+5511987654321", "vamos em dois", 2),
        ("+971501234567", "سنحضر ٣", 3),
        ("+33612345678", "nous serons 2", 2),
        (PHONE, "yes +1", 2),
        (PHONE, "me and my wife", 2),
    ],
)
def test_a_yes_with_a_party_records_it(
    app: Flask, client: FlaskClient, phone: str, body: str, party: int
) -> None:
    found = seeded(app, phone)
    reply = say(client, body, phone)
    assert state(app, found) == ("confirmed", party)
    assert reply is not None and str(party) in reply
    assert scalar(app, "SELECT party_size FROM inbound_messages") == party


def test_a_button_yes_asks_how_many_and_a_number_then_sets_the_party(
    app: Flask, client: FlaskClient
) -> None:
    found = seeded(app)
    response = signed_post(client, INBOUND, button_form(PHONE, "yes", "Yes", found.message_sid))
    assert reply_text(response.data) == "Thanks, Ana! You're confirmed for Launch party."
    # "How many of you?" follows apart, with buttons 1 to 3 (its text, if they cannot go).
    assert asked_apart(app) == [
        "How many of you are coming, yourself included? Reply with a number from 1 to 3."
    ]
    assert state(app, found) == ("confirmed", None)
    assert say(client, "3") == "Thanks, Ana! We've noted 3 people for Launch party."
    assert state(app, found) == ("confirmed", 3)
    assert say(client, "just me") == (
        "Thanks, Ana! You're confirmed for Launch party. Your party changed from 3 to 1."
    )
    assert state(app, found) == ("confirmed", 1)
    assert needing_answer(app) == []
    assert scalar(app, "SELECT count(*) FROM rsvp_responses") == 3


def test_how_many_asked_for_the_organiser_answers_none_of_the_guests_questions(
    app: Flask, client: FlaskClient
) -> None:
    found = seeded(app)
    question = "What time does it start?"
    say(client, question)
    signed_post(client, INBOUND, button_form(PHONE, "yes", "Yes", found.message_sid))
    assert len(asked_apart(app)) == 1
    # The service's "how many of you?" is no reply of the organiser's: the question waits.
    assert needing_answer(app) == [question]
    with app.app_context():
        thread = conversations.thread(found.guest_id)
    assert [m.kind for m in thread.messages if not m.incoming][-1] == conversations.QUESTION
    # The organiser's own words do answer it.
    with app.app_context():
        conversations.send_reply(found.guest_id, "At 8, see you there!")
    assert needing_answer(app) == []


def test_the_question_is_asked_in_the_guests_language(app: Flask, client: FlaskClient) -> None:
    found = seeded(app, SPANISH, plus_ones=1)
    signed_post(client, INBOUND, button_form(SPANISH, "yes", "Sí", found.message_sid))
    assert say(client, "sí", SPANISH) == (
        "¡Gracias, Ana! Tu asistencia a Launch party está confirmada.\n\n¿Cuántas personas"
        " vendrán, contándote a ti? Responde con un número del 1 al 2."
    )


def test_without_an_allowance_a_yes_asks_nothing(app: Flask, client: FlaskClient) -> None:
    found = seeded(app, plus_ones=0)
    assert say(client, "yes") == "Thanks, Ana! You're confirmed for Launch party."
    assert state(app, found) == ("confirmed", None)


@pytest.mark.parametrize("body", ["5", "0", "300", "we'll be 4"])
def test_a_party_beyond_the_allowance_is_refused_and_waits_for_the_organiser(
    app: Flask, client: FlaskClient, body: str
) -> None:
    found = seeded(app, plus_ones=2)
    say(client, "yes, 2 of us")
    assert state(app, found) == ("confirmed", 2)
    reply = say(client, body)
    assert reply == (
        "Sorry, Ana: your invitation to Launch party is for up to 3 people, you included."
        " Reply with a number from 1 to 3."
    )
    assert state(app, found) == ("confirmed", 2)
    assert needing_answer(app) == [body]
    assert scalar(app, "SELECT kind FROM inbound_messages WHERE body = :b", b=body) == "text"


def test_the_guests_own_allowance_wins_over_the_events(app: Flask, client: FlaskClient) -> None:
    found = seeded(app, plus_ones=0, own=3)
    say(client, "we are 4")
    assert state(app, found) == ("confirmed", 4)
    alone = seeded(app, "+14155550101", plus_ones=3, own=0)
    assert say(client, "yes, we're 2", "+14155550101") == (
        "Sorry, Ana: your invitation to Launch party is for you alone."
    )
    assert state(app, alone) == (None, None)


def test_a_bare_number_from_a_guest_who_has_not_said_yes_is_only_text(
    app: Flask, client: FlaskClient
) -> None:
    found = seeded(app)
    assert say(client, "3") is None
    assert state(app, found) == (None, None)
    assert needing_answer(app) == ["3"]


def test_times_and_dates_are_not_heads(app: Flask, client: FlaskClient) -> None:
    found = seeded(app)
    say(client, "yes see you at 8 on the 12th")
    assert state(app, found) == ("confirmed", None)


def test_a_change_of_mind_moves_the_answer_and_the_heads_and_says_so(
    app: Flask, client: FlaskClient
) -> None:
    found = seeded(app, SPANISH)
    say(client, "seremos 3", SPANISH)
    assert say(client, "al final no podemos ir", SPANISH) == (
        "Gracias, Ana. Lamentamos que no puedas asistir a Launch party."
        " Cambiaste tu respuesta de «sí» a «no»."
    )
    assert state(app, found) == ("declined", None)
    assert say(client, "al final sí, seremos 2", SPANISH) == (
        "¡Gracias, Ana! Tu asistencia a Launch party está confirmada."
        " Cambiaste tu respuesta de «no» a «sí». Anotamos 2 personas en total."
    )
    assert state(app, found) == ("confirmed", 2)
    assert say(client, "somos 3", SPANISH) == (
        "¡Gracias, Ana! Tu asistencia a Launch party está confirmada."
        " Tu grupo pasa de 2 a 3 personas."
    )
    assert state(app, found) == ("confirmed", 3)


def test_a_question_about_heads_is_not_a_count(app: Flask, client: FlaskClient) -> None:
    found = seeded(app)
    say(client, "yes")
    assert say(client, "can I bring my wife and 2 kids?") is None
    assert state(app, found) == ("confirmed", None)
    assert needing_answer(app) == ["can I bring my wife and 2 kids?"]
