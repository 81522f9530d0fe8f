"""Test data as the product holds it: events, guests, invitations, campaigns and messages.

Each builder commits its rows and returns their ids. Most take the app and work in its
context; `insert_guests` builds an event of thousands of guests in one set-based statement,
on an engine or a database URL (the tests that drive real processes have no app).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import Connection, Engine, create_engine, text

from app.extensions import db
from app.models import (
    Campaign,
    CampaignState,
    Event,
    Guest,
    InboundKind,
    InboundMessage,
    Invitation,
    MessageAttempt,
    OptOut,
    SendState,
)
from app.models.base import utcnow
from app.services import campaigns, event_questions
from tests.support.constants import SENDER
from tests.support.webhooks import new_sid

# US numbers +1 202 2xx xxxx pass the emulator's strict phonenumbers check.
FIRST_NUMBER = 2_000_000


def phone(index: int) -> str:
    """The E.164 number of the index-th test guest."""
    return f"+1202{FIRST_NUMBER + index:07d}"


def ago(**delta: float) -> datetime:
    """The time `timedelta(**delta)` before now, e.g. `ago(minutes=5)`."""
    return utcnow() - timedelta(**delta)


def make_event(app: Flask, name: str = "Summer gala", **fields: Any) -> int:
    """Insert an event; return its id."""
    with app.app_context():
        event = Event(name=name, **fields)
        db.session.add(event)
        db.session.commit()
        return event.id


def make_guests(
    app: Flask, event_id: int, guests: Sequence[tuple[str, str]], **fields: Any
) -> list[int]:
    """Insert guests (name, E.164 phone), each with `fields`; return their ids."""
    with app.app_context():
        rows = [
            Guest(event_id=event_id, name=name, phone=phone, **fields) for name, phone in guests
        ]
        db.session.add_all(rows)
        db.session.commit()
        return [row.id for row in rows]


def invite(app: Flask, guest_id: int, **fields: Any) -> int:
    """Give a guest an invitation in the given state (accepted by default); return its id."""
    with app.app_context():
        guest = db.session.get(Guest, guest_id)
        assert guest is not None
        fields.setdefault("send_state", SendState.ACCEPTED)
        invitation = Invitation(event_id=guest.event_id, guest_id=guest.id, **fields)
        db.session.add(invitation)
        db.session.commit()
        return invitation.id


def make_campaign(
    app: Flask,
    event_id: int,
    invitations: Sequence[Mapping[str, Any]],
    state: CampaignState = CampaignState.RUNNING,
    **fields: Any,
) -> int:
    """Insert a campaign (with `fields`) and one new guest per invitation (its columns given);
    return the campaign's id."""
    with app.app_context():
        campaign = Campaign(
            event_id=event_id, state=state, total=len(invitations), rate_per_second=80, **fields
        )
        db.session.add(campaign)
        db.session.flush()
        for n, columns in enumerate(invitations):
            guest = Guest(
                event_id=event_id,
                name=f"Guest {campaign.id}-{n}",
                phone=f"+1202{campaign.id:03d}{n:04d}",
            )
            db.session.add(guest)
            db.session.flush()
            db.session.add(
                Invitation(event_id=event_id, guest_id=guest.id, campaign_id=campaign.id, **columns)
            )
        db.session.commit()
        return campaign.id


def make_attempts(app: Flask, invitation_id: int, count: int = 1, **fields: Any) -> list[int]:
    """Record `count` requests to the provider for an invitation (in flight, to its guest,
    unless `fields` say otherwise); return their ids."""
    with app.app_context():
        invitation = db.session.get(Invitation, invitation_id)
        assert invitation is not None
        fields.setdefault("to_phone", invitation.guest.phone)
        rows = [MessageAttempt(invitation_id=invitation_id, **fields) for _ in range(count)]
        db.session.add_all(rows)
        db.session.commit()
        return [row.id for row in rows]


def make_inbound(app: Flask, **fields: Any) -> int:
    """Store a message someone sent to the service's number (a text from a US number unless
    `fields` say otherwise); return its id."""
    (message_id,) = make_inbound_messages(app, [fields])
    return message_id


def make_inbound_messages(app: Flask, messages: Sequence[Mapping[str, Any]]) -> list[int]:
    """Store one inbound message per mapping of columns; return their ids."""
    with app.app_context():
        rows = [InboundMessage(**{**_inbound_defaults(), **fields}) for fields in messages]
        db.session.add_all(rows)
        db.session.commit()
        return [row.id for row in rows]


def _inbound_defaults() -> dict[str, Any]:
    """An inbound message's columns that a test does not care about."""
    return {
        "message_sid": new_sid(),
        "from_phone": "whatsapp:+12025550100",
        "to_phone": SENDER,
        "kind": InboundKind.TEXT,
        "params": {},
    }


def make_opt_out(
    app: Flask, phone: str, source: str = "keyword", keyword: str | None = "STOP"
) -> None:
    """Record that a number opted out (by a keyword unless `source` says "provider")."""
    with app.app_context():
        db.session.add(OptOut(phone=phone, source=source, keyword=keyword))
        db.session.commit()


@dataclass(frozen=True)
class Seeded:
    """Ids of a seeded event, guest and invitation."""

    event_id: int
    guest_id: int
    invitation_id: int | None
    message_sid: str | None


def seed(
    app: Flask,
    phone: str,
    guest_name: str = "Ana",
    event_name: str = "Launch party",
    invited: bool = True,
    message_sid: str | None = None,
    accepted_minutes_ago: float = 60,
    language: str | None = None,
    language_from_replies: bool = False,
) -> Seeded:
    """Create an event with one guest (in `language`, else none stored) and (by default) a
    sent invitation."""
    with app.app_context():
        event = Event(name=event_name, language_from_replies=language_from_replies)
        guest = Guest(event=event, name=guest_name, phone=phone, language=language)
        db.session.add_all([event, guest])
        db.session.flush()
        invitation = None
        if invited:
            invitation = Invitation(
                event_id=event.id,
                guest=guest,
                send_state=SendState.ACCEPTED,
                message_sid=message_sid or new_sid(),
                accepted_at=datetime.now(UTC) - timedelta(minutes=accepted_minutes_ago),
            )
            db.session.add(invitation)
        db.session.commit()
        seeded = Seeded(
            event.id,
            guest.id,
            invitation.id if invitation else None,
            invitation.message_sid if invitation else None,
        )
        db.session.remove()
        return seeded


@contextmanager
def connected(database: str | Engine) -> Iterator[Connection]:
    """A transaction on an engine, or on a database URL's own engine (disposed after)."""
    if isinstance(database, Engine):
        with database.begin() as connection:
            yield connection
        return
    engine = create_engine(database)
    try:
        with engine.begin() as connection:
            yield connection
    finally:
        engine.dispose()


def insert_guests(
    database: str | Engine,
    count: int,
    event_name: str = "Gala",
    start: int = 0,
    *,
    starts_at: datetime | timedelta | None = timedelta(days=30),
    time_zone: str = "UTC",
    languages: Mapping[int, str] | None = None,
) -> int:
    """Create an event with `count` guests (`phone(start)` onwards) in one statement; return
    its id.

    The event starts at `starts_at` (a time, or how long from now), in `time_zone`; guest `n`
    reads `languages[n]` (else the event's default).
    """
    if isinstance(starts_at, timedelta):
        starts_at = utcnow() + starts_at
    with connected(database) as connection:
        event_id = connection.execute(
            text(
                "INSERT INTO events (name, starts_at, time_zone, venue) "
                "VALUES (:n, :starts_at, :zone, 'Hall') RETURNING id"
            ),
            {"n": event_name, "starts_at": starts_at, "zone": time_zone},
        ).scalar_one()
        connection.execute(
            text(
                "INSERT INTO guests (event_id, name, phone, variables, language) "
                "SELECT :e, 'Guest ' || n, '+1202' || lpad((:first + n)::text, 7, '0'), '{}', "
                "CAST(:languages AS jsonb) ->> n::text "
                "FROM generate_series(:start, :stop - 1) AS n"
            ),
            {
                "e": event_id,
                "first": FIRST_NUMBER,
                "start": start,
                "stop": start + count,
                "languages": json.dumps({str(n): code for n, code in (languages or {}).items()}),
            },
        )
    return int(event_id)


def invite_all(
    database: str | Engine,
    event_id: int,
    answers: Sequence[str | None] = (None,),
    delivered_ago: timedelta = timedelta(0),
) -> None:
    """Give every guest of the event an invitation accepted and delivered `delivered_ago`,
    answered as `answers` says (taken in turn, in the guests' order; None: no answer)."""
    with connected(database) as connection:
        connection.execute(
            text(
                "INSERT INTO invitations (event_id, guest_id, send_state, delivery_status,"
                " message_sid, accepted_at, delivered_at, rsvp, attempt_count)"
                " SELECT g.event_id, g.id, 'accepted', 'delivered', 'SM' || md5(g.id::text),"
                " now() - :ago, now() - :ago, (CAST(:answers AS text[]))"
                "[1 + (row_number() OVER (ORDER BY g.id) - 1) % :turn], 1"
                " FROM guests AS g WHERE g.event_id = :e"
            ),
            {"e": event_id, "answers": list(answers), "turn": len(answers), "ago": delivered_ago},
        )


def new_campaign(app: Flask, guests: int, start: int = 0, event_name: str = "Gala") -> int:
    """An event of `guests` guests and the running campaign the service creates for it;
    return the campaign id."""
    with app.app_context():
        event_id = insert_guests(db.engine, guests, event_name, start)
        campaign, _ = campaigns.create_campaign(event_id)
        return campaign.id


def add_question(
    app: Flask,
    event_id: int,
    wording: str | dict[str, str],
    choices: Sequence[str | dict[str, str]] = (),
    kind: str | None = None,
) -> int:
    """Add a question to an event, as the API would (a choice question when it has
    choices); its id."""
    body = {"kind": kind or ("choice" if choices else "text"), "text": wording}
    if choices:
        body["choices"] = list(choices)
    with app.app_context():
        question = event_questions.add_question(event_id, event_questions.check_question(body))
        question_id = question.id
        db.session.remove()
        return question_id


def answer(
    app: Flask,
    guest_id: int,
    question_id: int,
    text_answer: str | None = None,
    choices: Sequence[int] | None = None,
) -> None:
    """Record a guest's answer to a question (asked once, answered now)."""
    execute_sql = text(
        "INSERT INTO answers (guest_id, question_id, text, choices, asks, asked_at, answered_at)"
        " VALUES (:guest, :question, :text, :choices, 1, now(), now())"
    )
    params = {
        "guest": guest_id,
        "question": question_id,
        "text": text_answer,
        "choices": list(choices) if choices is not None else None,
    }
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(execute_sql, params)
