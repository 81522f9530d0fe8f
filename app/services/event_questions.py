"""An event's questions to the guests who say yes: check, add, list, remove, and their
answers as the organiser reads them (counts per choice, one value per guest).

A question is a `text` question (answered in the guest's words), a `choice` (one of its
choices) or `choices` (one or more). Its wording and each choice's are given per language
(`{"en": "Main course?", "es": "¿Plato principal?"}`), or as one string (English); a guest
is asked in their language, else English, else the first one given. The webhook's side
(asking, reading the answers) is `app.services.question_flow`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, func, select, text, update

from app.config import LANGUAGES
from app.extensions import db
from app.models import Answer, Event, Question, QuestionKind
from app.models.question import MAX_CHOICES, MAX_QUESTIONS

# The longest question, and the longest choice (a WhatsApp list row's title holds 24).
MAX_WORDING = 500
MAX_CHOICE = 24
# How many text answers the dashboard shows under a question.
LATEST_TEXTS = 5


@dataclass(frozen=True)
class NewQuestion:
    """A question checked and ready to add."""

    kind: QuestionKind
    wording: dict[str, str]
    choices: list[dict[str, str]]


def check_question(body: dict[str, Any]) -> NewQuestion:
    """The question a request describes (`kind`, `text`, `choices`); ValueError says what is
    wrong, naming the field."""
    kind_name = body.get("kind", QuestionKind.TEXT.value)
    kinds = ", ".join(repr(kind.value) for kind in QuestionKind)
    if kind_name not in {kind.value for kind in QuestionKind}:
        raise ValueError(
            _(
                "kind must be one of %(kinds)s, not %(value)s",
                kinds=kinds,
                value=repr(kind_name)[:40],
            )
        )
    kind = QuestionKind(kind_name)
    wording = _wording(body.get("text"), "text", MAX_WORDING)
    raw_choices = body.get("choices")
    if kind is QuestionKind.TEXT:
        if raw_choices:
            raise ValueError(_("a text question has no choices: leave 'choices' out"))
        return NewQuestion(kind, wording, [])
    if not isinstance(raw_choices, list) or len(raw_choices) < 2:
        raise ValueError(
            _(
                "a %(kind)s question needs 'choices': a list of 2 to %(limit)s",
                kind=repr(kind.value),
                limit=MAX_CHOICES,
            )
        )
    if len(raw_choices) > MAX_CHOICES:
        raise ValueError(
            _(
                "a question offers at most %(limit)s choices, not %(count)s",
                limit=MAX_CHOICES,
                count=len(raw_choices),
            )
        )
    choices = [
        _wording(choice, f"choices[{index}]", MAX_CHOICE)
        for index, choice in enumerate(raw_choices)
    ]
    _refuse_repeated(choices)
    return NewQuestion(kind, wording, choices)


def _wording(value: Any, name: str, longest: int) -> dict[str, str]:
    """Words per language from one string (English) or an object of them."""
    if isinstance(value, str):
        value = {"en": value}
    if not isinstance(value, dict) or not value:
        raise ValueError(
            _("%(name)s must be a string or an object of strings by language", name=name)
        )
    wording = {}
    for language, words in value.items():
        if language not in LANGUAGES:
            raise ValueError(
                _(
                    "%(name)s: %(language)s is not a language: use %(choices)s",
                    name=name,
                    language=repr(str(language)[:20]),
                    choices=", ".join(LANGUAGES),
                )
            )
        if not isinstance(words, str) or not words.strip():
            raise ValueError(
                _("%(name)s.%(language)s must be a non-empty string", name=name, language=language)
            )
        if len(words.strip()) > longest:
            raise ValueError(
                _(
                    "%(name)s.%(language)s is longer than %(longest)s characters",
                    name=name,
                    language=language,
                    longest=longest,
                )
            )
        wording[language] = " ".join(words.split())
    return wording


def _refuse_repeated(choices: list[dict[str, str]]) -> None:
    """Two choices worded alike in one language could not be told apart in an answer."""
    for language in LANGUAGES:
        seen: set[str] = set()
        for choice in choices:
            words = choice.get(language, "").casefold()
            if words and words in seen:
                raise ValueError(
                    _("two choices read %(words)s: each choice must differ", words=repr(words))
                )
            seen.add(words)


def worded(wording: dict[str, str], language: str) -> str:
    """The words in `language`, else English, else the first language given."""
    return wording.get(language) or wording.get("en") or next(iter(wording.values()))


def count_questions(event_id: int) -> int:
    """How many questions the event asks."""
    query = select(func.count()).where(Question.event_id == event_id)
    return db.session.scalar(query) or 0


def add_question(event_id: int, new: NewQuestion) -> Question:
    """Add a question after the event's others; ValueError past the most an event asks."""
    # The event's row lock orders concurrent additions: each takes the next position.
    db.session.execute(select(Event.id).where(Event.id == event_id).with_for_update())
    count = count_questions(event_id)
    if count >= MAX_QUESTIONS:
        db.session.rollback()
        raise ValueError(_("an event asks at most %(limit)s questions", limit=MAX_QUESTIONS))
    question = Question(
        event_id=event_id,
        position=count + 1,
        kind=new.kind,
        wording=new.wording,
        choices=new.choices,
    )
    db.session.add(question)
    db.session.commit()
    return question


def list_questions(event_id: int) -> list[Question]:
    """The event's questions in the order they are asked."""
    query = select(Question).where(Question.event_id == event_id).order_by(Question.position)
    return list(db.session.scalars(query))


def remove_question(event_id: int, question_id: int) -> bool:
    """Remove a question and its answers (the later ones move up); False when the event has
    no such question."""
    db.session.execute(select(Event.id).where(Event.id == event_id).with_for_update())
    position = db.session.scalar(
        delete(Question)
        .where(Question.id == question_id, Question.event_id == event_id)
        .returning(Question.position)
    )
    if position is None:
        db.session.rollback()
        return False
    db.session.execute(
        update(Question)
        .where(Question.event_id == event_id, Question.position > position)
        .values(position=Question.position - 1)
    )
    db.session.commit()
    return True


@dataclass
class Tally:
    """A question's answers as the organiser reads them."""

    answered: int = 0
    choices: list[int] = field(default_factory=list)  # guests per choice, in order
    # The newest text answers: (guest id, guest name, their words).
    latest: list[tuple[int, str, str]] = field(default_factory=list)


# Per question: the guests who answered (number 0), and the guests per choice number.
TALLY = text("""
SELECT a.question_id, 0 AS number, count(*) AS guests
FROM answers a JOIN questions q ON q.id = a.question_id
WHERE q.event_id = :event_id AND a.answered_at IS NOT NULL
GROUP BY a.question_id
UNION ALL
SELECT a.question_id, chosen.number, count(*)
FROM answers a JOIN questions q ON q.id = a.question_id
CROSS JOIN LATERAL unnest(a.choices) AS chosen(number)
WHERE q.event_id = :event_id AND a.answered_at IS NOT NULL
GROUP BY a.question_id, chosen.number
""")
LATEST = text("""
SELECT question_id, guest_id, name, text FROM (
    SELECT a.question_id, a.guest_id, g.name, a.text,
           row_number() OVER (PARTITION BY a.question_id ORDER BY a.answered_at DESC) AS n
    FROM answers a JOIN questions q ON q.id = a.question_id JOIN guests g ON g.id = a.guest_id
    WHERE q.event_id = :event_id AND q.kind = 'text' AND a.answered_at IS NOT NULL
) AS newest WHERE n <= :latest ORDER BY question_id, n
""")


def tallies(event_id: int, questions: Sequence[Question]) -> dict[int, Tally]:
    """Each question's answer count, guests per choice and newest text answers."""
    found = {question.id: Tally(choices=[0] * len(question.choices)) for question in questions}
    for row in db.session.execute(TALLY, {"event_id": event_id}):
        tally = found.get(row.question_id)
        if tally is None:
            continue
        if row.number == 0:
            tally.answered = row.guests
        elif row.number <= len(tally.choices):
            tally.choices[row.number - 1] = row.guests
    params = {"event_id": event_id, "latest": LATEST_TEXTS}
    for row in db.session.execute(LATEST, params):
        if row.question_id in found:
            found[row.question_id].latest.append((row.guest_id, row.name, row.text))
    return found


@dataclass(frozen=True)
class GuestAnswer:
    """One guest's answer to one question."""

    question_id: int
    text: str | None
    choices: list[int] | None
    answered_at: datetime


def answers_of(guest_ids: Iterable[int]) -> dict[int, list[GuestAnswer]]:
    """The answers of these guests (one query for a page of them), by guest, in question
    order."""
    ids = list(guest_ids)
    found: dict[int, list[GuestAnswer]] = {guest_id: [] for guest_id in ids}
    if not ids:
        return found
    query = (
        select(Answer.guest_id, Answer.question_id, Answer.text, Answer.choices, Answer.answered_at)
        .join(Question, Question.id == Answer.question_id)
        .where(Answer.guest_id.in_(ids), Answer.answered_at.is_not(None))
        .order_by(Answer.guest_id, Question.position)
    )
    for row in db.session.execute(query):
        found[row.guest_id].append(
            GuestAnswer(row.question_id, row.text, row.choices, row.answered_at)
        )
    return found


def answer_words(question: Question, answer: GuestAnswer | None, language: str = "en") -> str:
    """An answer as one text: the guest's words, or the chosen choices joined by "; "."""
    if answer is None:
        return ""
    if answer.choices is None:
        return answer.text or ""
    chosen = [
        worded(question.choices[number - 1], language)
        for number in answer.choices
        if 1 <= number <= len(question.choices)
    ]
    return "; ".join(chosen)


def answered_by(message_ids: Iterable[int]) -> dict[int, str]:
    """What each of these guest's messages answers, as the organiser reads it ("Main course?
    Fish"), for the messages that hold a guest's current answer."""
    ids = list(message_ids)
    if not ids:
        return {}
    query = (
        select(Answer, Question)
        .join(Question, Question.id == Answer.question_id)
        .where(Answer.inbound_message_id.in_(ids))
    )
    found: dict[int, str] = {}
    for answer, question in db.session.execute(query):
        if answer.inbound_message_id is None or answer.answered_at is None:
            continue
        given = GuestAnswer(question.id, answer.text, answer.choices, answer.answered_at)
        words = answer_words(question, given)
        found[answer.inbound_message_id] = f"{worded(question.wording, 'en')} {words}"
    return found
