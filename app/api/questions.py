"""An event's questions to the guests who say yes: add, list with their answers, remove.

- `POST /api/v1/events/<id>/questions` `{"kind": "text"|"choice"|"choices", "text": ...,
  "choices": [...]}`: `text` and each choice are a string or an object by language
  (`{"en": "Main course?", "es": "¿Plato principal?"}`); 201 with the question.
- `GET /api/v1/events/<id>/questions`: the questions in the order they are asked, each with
  `answered` (how many guests answered) and, for choices, `counts` (guests per choice).
- `DELETE /api/v1/events/<id>/questions/<question_id>`: remove it and its answers (204).
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, url_for
from werkzeug.exceptions import BadRequest, NotFound

from app.api import bp
from app.api.events import require_event
from app.api.validation import json_object
from app.models import Question
from app.services import event_questions
from app.services.event_questions import Tally


@bp.post("/events/<int:event_id>/questions")
def add_question(event_id: int) -> tuple[Response, int, dict[str, str]]:
    """Add a question after the event's others."""
    event = require_event(event_id)
    body = json_object(("kind", "text", "choices"))
    try:
        question = event_questions.add_question(event.id, event_questions.check_question(body))
    except ValueError as error:
        raise BadRequest(str(error)) from None
    location = url_for("api.list_questions", event_id=event.id)
    return (
        jsonify(question_json(question, Tally(choices=[0] * len(question.choices)))),
        201,
        {"Location": location},
    )


@bp.get("/events/<int:event_id>/questions")
def list_questions(event_id: int) -> Response:
    """The event's questions in order, with their answer counts."""
    event = require_event(event_id)
    found = event_questions.list_questions(event.id)
    tallies = event_questions.tallies(event.id, found)
    return jsonify(questions=[question_json(question, tallies[question.id]) for question in found])


@bp.delete("/events/<int:event_id>/questions/<int:question_id>")
def remove_question(event_id: int, question_id: int) -> tuple[str, int]:
    """Remove a question and its answers; the later questions move up."""
    event = require_event(event_id)
    if not event_questions.remove_question(event.id, question_id):
        raise NotFound(f"event {event.id} has no question {question_id}")
    return "", 204


def question_json(question: Question, tally: Tally) -> dict[str, Any]:
    """A question as the API returns it."""
    return {
        "id": question.id,
        "position": question.position,
        "kind": question.kind.value,
        "text": question.wording,
        "choices": question.choices,
        "answered": tally.answered,
        # Guests per choice, in the choices' order (null for a text question).
        "counts": tally.choices if question.choices else None,
    }
