"""An event's questions through the API: added with their wording per language, listed with
their answer counts, removed; clear 400s for bad ones; answers in the guest object."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support.constants import API_AUTH
from tests.support.database import execute
from tests.support.factories import seed
from tests.support.webhooks import INBOUND, inbound_form, signed_post

PHONE = "+14155550100"


def add(client: FlaskClient, event_id: int, **body: Any) -> Any:
    """POST a question to the event."""
    return client.post(f"/api/v1/events/{event_id}/questions", json=body, headers=API_AUTH)


def listed(client: FlaskClient, event_id: int) -> list[dict[str, Any]]:
    """The event's questions as the API lists them."""
    response = client.get(f"/api/v1/events/{event_id}/questions", headers=API_AUTH)
    assert response.status_code == 200
    found: list[dict[str, Any]] = response.get_json()["questions"]
    return found


def test_questions_are_added_in_order_and_listed(client: FlaskClient, event_id: int) -> None:
    diet = add(client, event_id, text="Any dietary needs?")
    assert diet.status_code == 201
    assert diet.headers["Location"].endswith(f"/api/v1/events/{event_id}/questions")
    assert diet.get_json() == {
        "id": diet.get_json()["id"],
        "position": 1,
        "kind": "text",
        "text": {"en": "Any dietary needs?"},
        "choices": [],
        "answered": 0,
        "counts": None,
    }
    main = add(
        client,
        event_id,
        kind="choice",
        text={"en": "Main course?", "es": "¿Plato principal?"},
        choices=[{"en": "Fish", "es": "Pescado"}, "Meat"],
    ).get_json()
    assert (main["position"], main["counts"]) == (2, [0, 0])
    assert main["choices"] == [{"en": "Fish", "es": "Pescado"}, {"en": "Meat"}]
    assert [question["position"] for question in listed(client, event_id)] == [1, 2]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"kind": "choice", "text": "Main?"}, "needs 'choices'"),
        ({"kind": "choice", "text": "Main?", "choices": []}, "needs 'choices'"),
        ({"kind": "choice", "text": "Main?", "choices": ["Fish"]}, "needs 'choices'"),
        ({"kind": "choices", "text": "Which?", "choices": ["A"] * 2}, "each choice must differ"),
        ({"kind": "choice", "text": "Main?", "choices": [str(n) for n in range(11)]}, "at most 10"),
        ({"kind": "choice", "text": "Main?", "choices": ["x" * 25, "y"]}, "longer than 24"),
        ({"kind": "text", "text": "Diet?", "choices": ["a", "b"]}, "has no choices"),
        ({"kind": "poll", "text": "Diet?"}, "kind must be one of"),
        ({"text": ""}, "non-empty string"),
        ({"text": "   "}, "non-empty string"),
        ({}, "must be a string or an object"),
        ({"text": {"de": "Diät?"}}, "'de' is not a language"),
        ({"text": {"en": 3}}, "text.en must be a non-empty string"),
        ({"text": "x" * 501}, "longer than 500"),
        ({"text": "Diet?", "position": 1}, "unknown field 'position'"),
    ],
)
def test_a_bad_question_is_refused_and_nothing_is_added(
    client: FlaskClient, event_id: int, body: dict[str, Any], says: str
) -> None:
    response = add(client, event_id, **body)
    assert response.status_code == 400
    assert says in response.get_json()["message"]
    assert listed(client, event_id) == []


def test_an_event_asks_at_most_twenty_questions(client: FlaskClient, event_id: int) -> None:
    for number in range(20):
        assert add(client, event_id, text=f"Question {number}?").status_code == 201
    refused = add(client, event_id, text="One more?")
    assert refused.status_code == 400
    assert "at most 20 questions" in refused.get_json()["message"]


def test_a_removed_question_takes_its_answers_and_the_next_moves_up(
    client: FlaskClient, event_id: int
) -> None:
    first = add(client, event_id, text="Diet?").get_json()
    second = add(client, event_id, text="Song?").get_json()
    url = f"/api/v1/events/{event_id}/questions/{first['id']}"
    assert client.delete(url, headers=API_AUTH).status_code == 204
    assert [(q["id"], q["position"]) for q in listed(client, event_id)] == [(second["id"], 1)]
    assert client.delete(url, headers=API_AUTH).status_code == 404


def test_an_unknown_event_has_no_questions(client: FlaskClient) -> None:
    assert add(client, 999, text="Diet?").status_code == 404
    assert client.get("/api/v1/events/999/questions", headers=API_AUTH).status_code == 404


def test_answers_are_counted_and_carried_by_the_guest(app: Flask, client: FlaskClient) -> None:
    found = seed(app, PHONE)
    add(client, found.event_id, text="Diet?")
    add(client, found.event_id, kind="choices", text="Dishes?", choices=["Fish", "Meat", "Salad"])
    for body in ("yes", "no gluten", "1 and 3"):
        assert signed_post(client, INBOUND, inbound_form(PHONE, body)).status_code == 200
    diet, dishes = listed(client, found.event_id)
    assert (diet["answered"], dishes["answered"], dishes["counts"]) == (1, 1, [1, 0, 1])
    guests = client.get(f"/api/v1/events/{found.event_id}/guests", headers=API_AUTH).get_json()
    [guest] = guests["guests"]
    assert [(a["question_id"], a["text"], a["choices"]) for a in guest["answers"]] == [
        (diet["id"], "no gluten", None),
        (dishes["id"], None, [1, 3]),
    ]
    assert guest["answers"][0]["answered_at"] is not None
    execute(app, "DELETE FROM answers")
    guests = client.get(f"/api/v1/events/{found.event_id}/guests", headers=API_AUTH).get_json()
    assert guests["guests"][0]["answers"] == []
