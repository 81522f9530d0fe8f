"""An event's questions through the inbound webhook: asked one at a time after a yes, in the
guest's language, answered by number, words or text, asked again once, and never taking a
message that is not an answer (an opt-out, a change of mind, a question asked days ago); a
silent guest asked once more, while the window is open."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.services.question_reasks import reask_silent
from tests.support.database import execute, query, scalar
from tests.support.factories import Seeded, add_question, seed
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
DIET = {"en": "Any dietary needs?", "es": "¿Alguna necesidad alimentaria?"}
MAIN = {"en": "Main course?", "es": "¿Plato principal?"}
FISH_MEAT = [{"en": "Fish", "es": "Pescado"}, {"en": "Meat", "es": "Carne"}]


def reply_text(body: bytes) -> str | None:
    """The text of the TwiML <Message>, or None for an empty <Response/>."""
    message = ET.fromstring(body).find("Message")
    return None if message is None else message.text


def say(client: FlaskClient, body: str, phone: str = PHONE, sid: str | None = None) -> str | None:
    """Post a typed message (with `sid` as its MessageSid when given); what the guest is
    told: the reply's text, then a question with buttons sent apart (as its text)."""
    app = client.application
    before = len(asked_apart(app))
    form = inbound_form(phone, body, **({"MessageSid": sid} if sid else {}))
    response = signed_post(client, INBOUND, form)
    assert response.status_code == 200
    return told(app, reply_text(response.data), before)


def with_questions(app: Flask, phone: str = PHONE, plus_ones: int = 0) -> Seeded:
    """An invited guest of an event asking a text question, then a choice."""
    found = seed(app, phone)
    execute(app, "UPDATE events SET plus_ones = :n WHERE id = :id", n=plus_ones, id=found.event_id)
    add_question(app, found.event_id, DIET)
    add_question(app, found.event_id, MAIN, FISH_MEAT)
    return found


def answers(app: Flask) -> list[tuple[int, str | None, list[int] | None, int]]:
    """(question position, text, choices, times asked) of every answer row."""
    rows = query(
        app,
        "SELECT q.position, a.text, a.choices, a.asks FROM answers a"
        " JOIN questions q ON q.id = a.question_id ORDER BY q.position",
    )
    return [(row.position, row.text, row.choices, row.asks) for row in rows]


def kinds(app: Flask) -> list[str]:
    """The stored kind of every inbound message, oldest first."""
    return [row.kind for row in query(app, "SELECT kind FROM inbound_messages ORDER BY id")]


def test_a_yes_asks_the_questions_one_at_a_time_and_keeps_each_answer(
    app: Flask, client: FlaskClient
) -> None:
    with_questions(app)
    assert say(client, "Yes!") == (
        "Thanks, Ana! You're confirmed for Launch party.\n\nQuestion 1 of 2: Any dietary needs?"
    )
    assert say(client, "No nuts please") == (
        "Thanks, noted.\n\nQuestion 2 of 2: Main course?\n1. Fish\n2. Meat\n"
        "Reply with the number of your choice."
    )
    assert say(client, "2") == "Thanks, that was our last question."
    assert answers(app) == [(1, "No nuts please", None, 1), (2, None, [2], 1)]
    assert kinds(app) == ["rsvp", "answer", "answer"]
    assert scalar(app, "SELECT asking_question_id FROM guests") is None
    # Once answered, a message is read as usual: a decline is a decline.
    say(client, "Sorry, we can't come after all")
    assert scalar(app, "SELECT rsvp FROM invitations WHERE kind = 'invitation'") == "declined"


def test_the_guest_is_asked_in_their_language_and_answers_with_words(
    app: Flask, client: FlaskClient
) -> None:
    with_questions(app, SPANISH)
    reply = say(client, "Sí, allí estaré", SPANISH)
    assert reply is not None and reply.endswith("Pregunta 1 de 2: ¿Alguna necesidad alimentaria?")
    assert say(client, "Vegetariana", SPANISH) == (
        "Gracias, anotado.\n\nPregunta 2 de 2: ¿Plato principal?\n1. Pescado\n2. Carne\n"
        "Responde con el número de tu elección."
    )
    assert say(client, "el pescado por favor", SPANISH) == (
        "Gracias, esa era nuestra última pregunta."
    )
    assert answers(app)[1][2] == [1]


@pytest.mark.parametrize(
    ("body", "chosen"),
    [
        ("٢", [2]),
        ("#1", [1]),
        ("1.", [1]),
        ("MEAT!", [2]),
        ("1 and 3", [1, 3]),
        ("fish, salad", [1, 3]),
    ],
)
def test_several_choices_are_read_by_number_or_words(
    app: Flask, client: FlaskClient, body: str, chosen: list[int]
) -> None:
    found = seed(app, PHONE)
    add_question(app, found.event_id, "Which dishes?", ["Fish", "Meat", "Salad"], "choices")
    say(client, "yes")
    assert say(client, body) == "Thanks, that was our last question."
    assert answers(app) == [(1, None, chosen, 1)]


@pytest.mark.parametrize("body", ["7", "1, 2", "whatever you have", "0"])
def test_an_unreadable_choice_is_asked_once_more_then_left(
    app: Flask, client: FlaskClient, body: str
) -> None:
    found = seed(app, PHONE)
    add_question(app, found.event_id, MAIN, FISH_MEAT)
    add_question(app, found.event_id, "Need a bus seat?", ["Yes", "No"])
    say(client, "yes")
    again = say(client, body)
    assert again is not None
    assert again.startswith("Sorry, we didn't understand that answer.\n\nQuestion 1 of 2")
    # The second unreadable answer gives the question up and asks the next one.
    assert say(client, body).startswith("Question 2 of 2: Need a bus seat?")  # type: ignore[union-attr]
    assert answers(app) == [(1, None, None, 2), (2, None, None, 1)]
    assert kinds(app) == ["rsvp", "text", "text"]  # the unread ones wait in the inbox


def test_a_change_of_mind_or_an_opt_out_is_no_answer(app: Flask, client: FlaskClient) -> None:
    found = seed(app, PHONE)
    add_question(app, found.event_id, MAIN, FISH_MEAT)
    say(client, "yes")
    say(client, "Sorry, we can't make it anymore")
    assert scalar(app, "SELECT rsvp FROM invitations WHERE kind = 'invitation'") == "declined"
    # Declined, the guest is no longer asked: "1" is read as usual (text, not an answer).
    say(client, "1")
    assert answers(app) == [(1, None, None, 1)]
    # Back to yes: the question is repeated (not counted as asked again), and STOP is no answer.
    assert "Question 1 of 1: Main course?" in (say(client, "yes") or "")
    assert say(client, "STOP") is not None
    assert scalar(app, "SELECT count(*) FROM opt_outs") == 1
    assert answers(app) == [(1, None, None, 1)]


def test_a_button_tap_is_read_as_an_rsvp_not_an_answer(app: Flask, client: FlaskClient) -> None:
    found = with_questions(app)
    say(client, "yes")
    response = signed_post(client, INBOUND, button_form(PHONE, "no", "No", found.message_sid))
    assert response.status_code == 200
    assert scalar(app, "SELECT rsvp FROM invitations WHERE kind = 'invitation'") == "declined"
    assert answers(app) == [(1, None, None, 1)]


def test_an_answer_delivered_twice_is_kept_once(app: Flask, client: FlaskClient) -> None:
    with_questions(app)
    say(client, "yes")
    first = say(client, "No nuts", sid="SM" + "a" * 32)
    assert first is not None and "Question 2 of 2" in first
    assert say(client, "No nuts", sid="SM" + "a" * 32) is None
    assert answers(app) == [(1, "No nuts", None, 1), (2, None, None, 1)]
    assert kinds(app) == ["rsvp", "answer"]


def test_a_question_asked_days_ago_takes_no_message(app: Flask, client: FlaskClient) -> None:
    with_questions(app)
    say(client, "yes")
    execute(app, "UPDATE answers SET asked_at = asked_at - interval '25 hours'")
    say(client, "gluten free")
    assert answers(app) == [(1, None, None, 1)]
    assert kinds(app) == ["rsvp", "text"]


def test_the_questions_wait_for_the_head_count(app: Flask, client: FlaskClient) -> None:
    with_questions(app, plus_ones=2)
    reply = say(client, "yes")
    assert reply is not None and reply.endswith("Reply with a number from 1 to 3.")
    assert "Question" not in reply
    assert say(client, "3") == (
        "Thanks, Ana! We've noted 3 people for Launch party.\n\nQuestion 1 of 2: Any dietary needs?"
    )
    assert say(client, "2 vegans") is not None
    assert answers(app)[0][1] == "2 vegans"
    assert scalar(app, "SELECT party_size FROM guests") == 3


def test_a_yes_with_its_party_is_asked_right_away(app: Flask, client: FlaskClient) -> None:
    with_questions(app, plus_ones=2)
    reply = say(client, "Yes, we'll be 2")
    assert reply is not None and reply.endswith("Question 1 of 2: Any dietary needs?")


def test_a_second_yes_asks_only_what_was_not_asked_twice(app: Flask, client: FlaskClient) -> None:
    with_questions(app)
    say(client, "yes")
    say(client, "none")
    # Question 2 is being asked: a yes repeats it, without counting an ask.
    assert "Question 2 of 2" in (say(client, "yes") or "")
    assert answers(app) == [(1, "none", None, 1), (2, None, None, 1)]
    execute(app, "UPDATE answers SET asked_at = asked_at - interval '25 hours'")
    reply = say(client, "yes, still coming")
    assert reply is not None and reply.endswith("Reply with the number of your choice.")
    assert answers(app) == [(1, "none", None, 1), (2, None, None, 2)]
    execute(app, "UPDATE answers SET asked_at = asked_at - interval '25 hours'")
    assert "Question" not in (say(client, "yes!") or "")  # asked twice: never again


@pytest.mark.parametrize(
    ("phone", "body", "reply", "chosen"),
    [
        (PHONE, "Actually, fish for me please", "your answer to “Main course?” is now Fish.", [1]),
        (SPANISH, "mejor carne", "tu respuesta a «¿Plato principal?» ahora es Carne.", [2]),
    ],
)
def test_naming_another_choice_later_changes_the_answer(
    app: Flask, client: FlaskClient, phone: str, body: str, reply: str, chosen: list[int]
) -> None:
    found = seed(app, phone)
    add_question(app, found.event_id, MAIN, FISH_MEAT)
    say(client, "yes", phone)
    say(client, "2" if chosen == [1] else "1", phone)
    said = say(client, body, phone)
    assert said is not None and said.endswith(reply)
    assert answers(app) == [(1, None, chosen, 1)]
    assert kinds(app)[-1] == "answer"


@pytest.mark.parametrize(
    "body", ["Is the fish fresh?", "2", "thanks, see you there", "fish and meat"]
)
def test_a_message_that_names_no_single_choice_changes_nothing(
    app: Flask, client: FlaskClient, body: str
) -> None:
    found = seed(app, PHONE)
    add_question(app, found.event_id, MAIN, FISH_MEAT)
    say(client, "yes")
    say(client, "2")
    say(client, body)
    assert answers(app) == [(1, None, [2], 1)]


def reask(app: Flask) -> int:
    """Run the sweep's step that asks unanswered questions once more."""
    with app.app_context():
        return reask_silent(db.engine)


def test_a_silent_guest_is_asked_once_more_within_the_window(
    app: Flask, client: FlaskClient
) -> None:
    with_questions(app)
    say(client, "yes")
    assert reask(app) == 0  # asked just now: not yet
    execute(app, "UPDATE answers SET asked_at = asked_at - interval '5 hours'")
    execute(app, "UPDATE inbound_messages SET received_at = received_at - interval '5 hours'")
    assert reask(app) == 1
    assert reask(app) == 0  # once
    [asked] = query(app, "SELECT body, by_service FROM invitations WHERE kind = 'reply'")
    assert asked.body == "Question 1 of 2: Any dietary needs?"
    assert asked.by_service  # the service's words: no answer to what the guest wrote
    assert answers(app) == [(1, None, None, 2)]
    assert say(client, "vegan") is not None  # the answer to the question asked again
    assert answers(app)[0][:2] == (1, "vegan")
    execute(app, "UPDATE answers SET asked_at = asked_at - interval '5 hours'")
    execute(app, "UPDATE inbound_messages SET received_at = received_at - interval '5 hours'")
    assert reask(app) == 1  # question 2 has its own second ask


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE invitations SET rsvp = 'declined'",  # declined since
        "UPDATE answers SET asked_at = asked_at - interval '24 hours'",  # window closing
        "UPDATE inbound_messages SET received_at = now()",  # wrote since (text left aside)
    ],
)
def test_no_one_is_asked_again_after_a_decline_a_new_message_or_the_window(
    app: Flask, client: FlaskClient, change: str
) -> None:
    with_questions(app)
    say(client, "yes")
    execute(app, "UPDATE answers SET asked_at = asked_at - interval '5 hours'")
    execute(app, "UPDATE inbound_messages SET received_at = received_at - interval '5 hours'")
    execute(app, change)
    assert reask(app) == 0
