"""An event's questions in the dashboard: added from the form with their words per language,
refused with the reason, shown with their answers, removed; and a column each in the
exports; and what an answer answers, in the conversation."""

from __future__ import annotations

import csv
import io

from flask import Flask
from flask.testing import FlaskClient

from app.models import InboundKind
from tests.support.database import execute, query
from tests.support.factories import (
    add_question,
    answer,
    invite,
    make_event,
    make_guests,
    make_inbound,
)


def post_question(client: FlaskClient, event_id: int, **fields: str) -> tuple[int, str]:
    """Submit the form; the status and the page's text."""
    response = client.post(f"/events/{event_id}/questions", data=fields, follow_redirects=True)
    return response.status_code, response.get_data(as_text=True)


def test_a_choice_question_is_added_in_two_languages(app: Flask, user: FlaskClient) -> None:
    event_id = make_event(app)
    status, page = post_question(
        user,
        event_id,
        kind="choice",
        text_en="Main course?",
        choices_en="Fish\nMeat\n",
        text_ar="الطبق الرئيسي؟",
        choices_ar="سمك\r\nلحم",
    )
    assert status == 200
    assert "Question 1 added." in page
    [row] = query(app, "SELECT position, kind, wording, choices FROM questions")
    assert (row.position, row.kind) == (1, "choice")
    assert row.wording == {"en": "Main course?", "ar": "الطبق الرئيسي؟"}
    assert row.choices == [{"en": "Fish", "ar": "سمك"}, {"en": "Meat", "ar": "لحم"}]
    assert "Question 1 of 1: Main course?\n1. Fish\n2. Meat" in page


def test_a_bad_question_is_refused_with_the_reason(app: Flask, user: FlaskClient) -> None:
    event_id = make_event(app)
    cases = [
        ({"kind": "choice", "text_en": "Main?", "choices_en": "Fish"}, "needs choices"),
        (
            {"kind": "choice", "text_en": "Main?", "choices_en": "Fish\nMeat", "choices_es": "Pez"},
            "Each language must list the same choices, in the same order"
            " (English has 2, Español has 1).",
        ),
        ({"kind": "text", "text_en": ""}, "Write the question in at least one language."),
        ({"kind": "poll", "text_en": "Diet?"}, "Check the fields marked below."),
    ]
    for fields, says in cases:
        status, page = post_question(user, event_id, **fields)
        assert status == 422, fields
        assert says in page, (fields, page[-2000:])
    assert query(app, "SELECT id FROM questions") == []


def test_answers_are_counted_and_a_question_removed(app: Flask, user: FlaskClient) -> None:
    event_id = make_event(app)
    guests = make_guests(app, event_id, [("Ana", "+14155550100"), ("Bo", "+14155550101")])
    diet = add_question(app, event_id, "Any dietary needs?")
    main = add_question(app, event_id, "Main course?", ["Fish", "Meat"])
    answer(app, guests[0], diet, "No nuts")
    answer(app, guests[0], main, choices=[2])
    answer(app, guests[1], main, choices=[2])
    page = user.get(f"/events/{event_id}/questions").get_data(as_text=True)
    assert "No nuts" in page
    assert "2 guests answered" in page
    assert "Remove this question and its 2 answers" in page
    response = user.post(f"/events/{event_id}/questions/{diet}/remove", follow_redirects=True)
    assert "Question removed, with its answers." in response.get_data(as_text=True)
    assert [(row.id, row.position) for row in query(app, "SELECT id, position FROM questions")] == [
        (main, 1)
    ]
    assert "Questions (1)" in user.get(f"/events/{event_id}").get_data(as_text=True)


def test_the_exports_have_a_column_per_question(app: Flask, user: FlaskClient) -> None:
    event_id = make_event(app)
    [ana, bo] = make_guests(app, event_id, [("Ana", "+14155550100"), ("Bo", "+14155550101")])
    invite(app, ana)
    diet = add_question(app, event_id, "Any dietary needs?")
    dishes = add_question(app, event_id, "Dishes?", ["Fish", "Meat", "Salad"], "choices")
    answer(app, ana, diet, "=cmd|' /C calc'!A0")
    answer(app, ana, dishes, choices=[1, 3])
    text = user.get(f"/events/{event_id}/guests.csv").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert (rows[0]["Any dietary needs?"], rows[0]["Dishes?"]) == (
        "'=cmd|' /C calc'!A0",
        "Fish; Salad",
    )
    assert (rows[1]["Any dietary needs?"], rows[1]["Dishes?"]) == ("", "")
    workbook = user.get(f"/events/{event_id}/guests.xlsx")
    assert workbook.status_code == 200
    assert bo


def test_the_conversation_says_what_an_answer_answers(app: Flask, user: FlaskClient) -> None:
    event_id = make_event(app)
    [ana] = make_guests(app, event_id, [("Ana", "+14155550100")])
    main = add_question(app, event_id, "Main course?", ["Fish", "Meat"])
    message = make_inbound(
        app,
        body="2",
        kind=InboundKind.ANSWER,
        guest_id=ana,
        event_id=event_id,
        from_phone="whatsapp:+14155550100",
    )
    answer(app, ana, main, choices=[2])
    execute(app, "UPDATE answers SET inbound_message_id = :m", m=message)
    page = user.get(f"/guests/{ana}/conversation").get_data(as_text=True)
    assert "Question answered" in page
    assert "Main course? Meat" in page
