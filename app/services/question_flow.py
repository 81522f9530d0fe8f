"""The webhook's side of an event's questions: ask them one at a time after a yes, and read
the guest's next message as the answer.

After a guest's yes (once their party is known), the event's first unanswered question is
added to the confirmation (or the one they are being asked, repeated); each answer is stored
once per guest and question and the next question follows, until the last. A choice is
answered by its number ("2", "1, 3", in Arabic-Indic digits too) or its words ("fish");
a text question takes the message as it is. A message that answers a choice question in no
readable way asks it once more, and a second one moves on: a question is asked at most
twice. A question asked more than a day ago no longer takes messages (WhatsApp's 24-hour
window has closed), and neither an opt-out, a button tap nor a change of mind instead of a
choice is taken as an answer.

These run on the main pool, in transactions (like `app.services.inbound_offers`).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, text

from app.extensions import db
from app.models import InboundKind, Question, QuestionKind
from app.services import button_asks, question_wording
from app.services.buttons import choice_buttons
from app.services.replies import Reading
from app.services.webhook_forms import InboundForm

# A question takes the guest's messages for this long after it was asked.
ASKING_FOR = timedelta(hours=24)
# The longest text answer kept (a WhatsApp message holds 1600).
MAX_ANSWER = 1000
# A question is asked at most this many times.
MOST_ASKS = 2
# What `ask_next` returns when the question goes in a message of its own, with buttons.
SENT_APART = ""

PENDING = text("""
SELECT g.id AS guest_id, g.event_id, g.language, e.language_from_replies,
       q.id AS question_id, q.position, q.kind, q.wording, q.choices, a.asks,
       (SELECT count(*) FROM questions WHERE event_id = g.event_id) AS total
FROM guests g
JOIN events e ON e.id = g.event_id
JOIN questions q ON q.id = g.asking_question_id
JOIN answers a ON a.guest_id = g.id AND a.question_id = q.id
WHERE g.phone = :phone AND g.asking_question_id IS NOT NULL AND a.asked_at > :since
  AND EXISTS (SELECT 1 FROM invitations i WHERE i.guest_id = g.id AND i.kind = 'invitation'
              AND i.rsvp = 'confirmed')
ORDER BY a.asked_at DESC
LIMIT 1
""")
STORE = text("""
INSERT INTO inbound_messages
    (message_sid, from_phone, to_phone, body, kind, button_payload, replied_message_sid,
     profile_name, guest_id, event_id, params, received_at)
VALUES (:message_sid, :from_address, :to_address, :body, :kind, :button_payload,
        :replied_sid, :profile_name, :guest_id, :event_id, CAST(:params AS jsonb), :received_at)
ON CONFLICT (message_sid) DO NOTHING
RETURNING id
""")
# The guest's row lock orders two messages answering at once; the question must still be
# the one asked (else the message answered nothing).
STILL_ASKED = text("""
SELECT 1 FROM guests WHERE id = :guest_id AND asking_question_id = :question_id FOR UPDATE
""")
ANSWERED = text("""
UPDATE answers SET text = :text, choices = :choices, answered_at = :received_at,
                   inbound_message_id = :message_id
WHERE guest_id = :guest_id AND question_id = :question_id
""")
# The first of the event's questions the guest has neither answered nor been asked twice
# (`:passed`, the one just answered or given up, excepted).
NEXT = text("""
SELECT q.id, q.position, q.kind, q.wording, q.choices,
       (SELECT count(*) FROM questions WHERE event_id = g.event_id) AS total
FROM guests g
JOIN questions q ON q.event_id = g.event_id
LEFT JOIN answers a ON a.guest_id = g.id AND a.question_id = q.id
WHERE g.id = :guest_id AND q.id IS DISTINCT FROM :passed
  AND a.answered_at IS NULL AND COALESCE(a.asks, 0) < :most_asks
ORDER BY q.position
LIMIT 1
""")
ASKED = text("""
INSERT INTO answers (guest_id, question_id, asks, asked_at)
VALUES (:guest_id, :question_id, 1, :now)
ON CONFLICT (guest_id, question_id) DO UPDATE
SET asks = answers.asks + 1, asked_at = excluded.asked_at
""")
ASKING = text("UPDATE guests SET asking_question_id = :question_id WHERE id = :guest_id")
# The question the guest was asked within the day and has not answered (a yes repeats it,
# without counting an ask); the guest's row lock orders two yeses at once.
IS_ASKING = text("""
SELECT q.id, q.position, q.kind, q.wording, q.choices, a.asked_at > :since AS recent,
       (SELECT count(*) FROM questions WHERE event_id = g.event_id) AS total
FROM guests g
LEFT JOIN questions q ON q.id = g.asking_question_id
LEFT JOIN answers a ON a.guest_id = g.id AND a.question_id = q.id
WHERE g.id = :guest_id FOR UPDATE OF g
""")


@dataclass(frozen=True)
class Asked:
    """The question a guest was asked and has not answered yet."""

    guest_id: int
    event_id: int
    question: Question
    asks: int
    total: int
    language: str | None  # the guest's stored language
    follow_replies: bool  # whether their replies may change it


@dataclass(frozen=True)
class Given:
    """An answer read from a message: the guest's words, or chosen choices (from 1)."""

    text: str | None
    choices: list[int] | None = None


# A message that answers the question in no readable way.
UNREAD = Given(None)


@dataclass(frozen=True)
class Recorded:
    """A message recorded as an answer (or an attempt): new or not, and what to answer."""

    duplicate: bool
    message_id: int | None
    kind: InboundKind
    reply: str | None


def _question(row: Any, id_column: str = "question_id") -> Question:
    """A question from a result row (not attached to a session)."""
    return Question(
        id=getattr(row, id_column),
        position=row.position,
        kind=QuestionKind(row.kind),
        wording=row.wording,
        choices=row.choices,
    )


def pending(phone: str, now: datetime) -> Asked | None:
    """The question the sender was asked within the day and has not answered, if any."""
    with db.engine.connect() as connection:
        row = connection.execute(PENDING, {"phone": phone, "since": now - ASKING_FOR}).first()
    if row is None:
        return None
    return Asked(
        row.guest_id,
        row.event_id,
        _question(row),
        row.asks,
        row.total,
        row.language,
        row.language_from_replies,
    )


def read_answer(question: Question, form: InboundForm, reading: Reading) -> Given | None:
    """What the message answers to `question`: a Given, UNREAD, or None when it is no
    answer at all (an opt-out, a button tap, a changed RSVP instead of a choice)."""
    if reading.kind in (InboundKind.OPTOUT, InboundKind.OPTIN) or form.button_payload:
        return None
    body = form.body.strip()
    if question.kind is QuestionKind.TEXT:
        return Given(body[:MAX_ANSWER]) if body else UNREAD
    chosen = choices_in(body, question)
    if chosen is None or (question.kind is QuestionKind.CHOICE and len(chosen) != 1):
        return None if reading.kind is InboundKind.RSVP else UNREAD
    return Given(None, chosen)


# Between choice numbers: spaces, punctuation, "and"/"or" in each language.
JOINERS = re.compile(r"[\s,;/&+.!#()\-]+|\b(?:and|or|y|o|e|ou|et)\b|\u0648|\u060c|\u0623\u0648")
DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def fold(words: str) -> str:
    """Words folded for matching: case, accents and Arabic-Indic digits away."""
    decomposed = unicodedata.normalize("NFKD", words.casefold().translate(DIGITS))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def choices_in(body: str, question: Question) -> list[int] | None:
    """The choices a message names, by number ("1, 3") or words ("fish"), from 1; None when
    it names none, or a number the question does not have."""
    folded = fold(body)
    if not folded.strip():
        return None
    if not JOINERS.sub("", re.sub(r"\d+", "", folded)):  # numbers and joiners only
        numbers = sorted({int(number) for number in re.findall(r"\d+", folded)})
        if not numbers or not all(1 <= n <= len(question.choices) for n in numbers):
            return None
        return numbers
    named = [
        number
        for number, choice in enumerate(question.choices, start=1)
        if any(_names(folded, fold(words)) for words in choice.values())
    ]
    return named or None


def _names(folded_body: str, folded_choice: str) -> bool:
    """Whether the message holds the choice's words as whole words."""
    return re.search(rf"(?<!\w){re.escape(folded_choice)}(?!\w)", folded_body) is not None


def record(
    asked: Asked, given: Given, form: InboundForm, received_at: datetime, language: str
) -> Recorded:
    """Store the message once per MessageSid with the answer it gives (or asks again, or
    moves on after a second unreadable one), and what to tell the guest, atomically."""
    kind = InboundKind.TEXT if given is UNREAD else InboundKind.ANSWER
    with db.engine.begin() as connection:
        message_id = connection.execute(STORE, _stored(form, asked, kind, received_at)).scalar()
        if message_id is None:
            return Recorded(True, None, kind, None)
        ids = {"guest_id": asked.guest_id, "question_id": asked.question.id}
        if connection.execute(STILL_ASKED, ids).first() is None:
            return Recorded(False, message_id, InboundKind.TEXT, None)
        if given is UNREAD and asked.asks < MOST_ASKS:
            connection.execute(ASKED, {**ids, "now": received_at})
            asked_again = question_wording.ask(asked.question, asked.total, language)
            return Recorded(False, message_id, kind, question_wording.again(language, asked_again))
        if given is not UNREAD:
            answer = {"text": given.text, "choices": given.choices, "message_id": message_id}
            connection.execute(ANSWERED, {**ids, **answer, "received_at": received_at})
        following = ask_next(connection, asked.guest_id, received_at, language, asked.question.id)
    if following == SENT_APART:
        button_asks.wake()
    if given is UNREAD:
        return Recorded(False, message_id, kind, following)
    return Recorded(False, message_id, kind, question_wording.after_answer(language, following))


def _stored(
    form: InboundForm, asked: Asked, kind: InboundKind, received_at: datetime
) -> dict[str, Any]:
    """The inbound_messages row of a message sent while a question was asked."""
    return {
        "message_sid": form.message_sid,
        "from_address": form.from_address,
        "to_address": form.to_address,
        "body": form.body,
        "kind": kind.value,
        "button_payload": form.button_payload,
        "replied_sid": form.replied_sid,
        "profile_name": form.profile_name,
        "guest_id": asked.guest_id,
        "event_id": asked.event_id,
        "params": json.dumps(form.params, ensure_ascii=False),
        "received_at": received_at,
    }


def ask_next(
    connection: Connection,
    guest_id: int,
    now: datetime,
    language: str,
    passed: int | None = None,
) -> str | None:
    """Ask the guest the next question they have neither answered nor been asked twice
    (recording the ask), and return its words; None (and nothing asked) when none is left,
    SENT_APART when it is queued as a message with buttons (`app.services.buttons`)."""
    params = {"guest_id": guest_id, "passed": passed, "most_asks": MOST_ASKS}
    row = connection.execute(NEXT, params).first()
    question_id = None if row is None else row.id
    connection.execute(ASKING, {"guest_id": guest_id, "question_id": question_id})
    if row is None:
        return None
    connection.execute(ASKED, {"guest_id": guest_id, "question_id": question_id, "now": now})
    question = _question(row, "id")
    words = question_wording.ask(question, row.total, language)
    buttons = choice_buttons(
        question, question_wording.heading(question, row.total, language), language
    )
    if buttons is None:
        return words
    button_asks.queue(connection, guest_id, words, buttons)
    return SENT_APART


def start(guest_id: int, now: datetime, language: str) -> str | None:
    """After a yes: the question the guest is being asked (again, as a reminder), else their
    first unanswered one."""
    with db.engine.begin() as connection:
        params = {"guest_id": guest_id, "since": now - ASKING_FOR}
        asking = connection.execute(IS_ASKING, params).one()
        if asking.recent:
            return question_wording.ask(_question(asking, "id"), asking.total, language)
        following = ask_next(connection, guest_id, now, language)
    if following == SENT_APART:
        button_asks.wake()
    return following


# The choice questions a guest answered: a later message naming other choices changes them.
ANSWERED_CHOICES = text("""
SELECT q.id, q.position, q.kind, q.wording, q.choices, a.choices AS chosen,
       (SELECT count(*) FROM questions WHERE event_id = q.event_id) AS total
FROM answers a JOIN questions q ON q.id = a.question_id
WHERE a.guest_id = :guest_id AND a.answered_at IS NOT NULL AND q.kind <> 'text'
ORDER BY q.position
""")
REVISED = text("""
UPDATE answers SET choices = :choices, answered_at = :received_at,
                   inbound_message_id = :message_id
WHERE guest_id = :guest_id AND question_id = :question_id
  AND (answered_at IS NULL OR answered_at <= :received_at)
""")
AS_ANSWER = text("UPDATE inbound_messages SET kind = 'answer' WHERE id = :message_id")
QUESTION_MARKS = re.compile("[?\u00bf\u061f]")


def revise(
    guest_id: int, message_id: int, body: str, received_at: datetime, language: str
) -> str | None:
    """Change a choice the guest answered when their message names other choices of exactly
    one such question by their words ("actually fish for me"); the words that say so, or
    None when the message changes nothing (no choice named, several questions, a question)."""
    if QUESTION_MARKS.search(body) or not JOINERS.sub("", re.sub(r"\d+", "", fold(body))):
        return None  # a question, or bare numbers: nothing says which answer they change
    with db.engine.begin() as connection:
        found = []
        for row in connection.execute(ANSWERED_CHOICES, {"guest_id": guest_id}):
            question = _question(row, "id")
            named = choices_in(body, question)
            if named and (question.kind is QuestionKind.CHOICES or len(named) == 1):
                found.append((question, named, row.chosen))
        if len(found) != 1 or found[0][1] == found[0][2]:
            return None
        question, named, _ = found[0]
        params = {"guest_id": guest_id, "question_id": question.id, "choices": named}
        connection.execute(
            REVISED, {**params, "received_at": received_at, "message_id": message_id}
        )
        connection.execute(AS_ANSWER, {"message_id": message_id})
    return question_wording.changed(question, named, language)
