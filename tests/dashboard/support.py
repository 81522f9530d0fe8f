"""Helpers for the dashboard tests: the app with the dashboard, users, sign-in, rows."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from html import unescape
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event as sqlalchemy_event

from app.extensions import db
from app.models import Campaign, CampaignState, Event, Guest, Invitation, SendState, User
from app.services import users

ADMIN_EMAIL = "organiser@example.org"
ADMIN_PASSWORD = "correct horse battery staple"


def add_admin(app: Flask, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD) -> int:
    """Create a dashboard user; return its id."""
    with app.app_context():
        users.ensure_admin(email, password)
        user = users.find_by_email(email)
        assert user is not None
        return user.id


def sign_in_session(client: FlaskClient, user_id: int) -> None:
    """Mark the client's session as signed in (what Flask-Login stores), without hashing."""
    with client.application.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        session_id = user.get_id()
    with client.session_transaction() as session:
        session["_user_id"] = session_id
        session["_fresh"] = True


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """Fetch a page and return the CSRF token of its first form."""
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def make_event(app: Flask, name: str = "Summer gala", **fields: Any) -> int:
    """Insert an event; return its id."""
    with app.app_context():
        event = Event(name=name, **fields)
        db.session.add(event)
        db.session.commit()
        return event.id


def make_guests(app: Flask, event_id: int, guests: list[tuple[str, str]]) -> list[int]:
    """Insert guests (name, E.164 phone); return their ids."""
    with app.app_context():
        rows = [Guest(event_id=event_id, name=name, phone=phone) for name, phone in guests]
        db.session.add_all(rows)
        db.session.commit()
        return [row.id for row in rows]


def invite(app: Flask, guest_id: int, **fields: Any) -> int:
    """Give a guest an invitation in the given state; return its id."""
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
) -> int:
    """Insert a campaign with one new guest per invitation (its columns given); return its id."""
    with app.app_context():
        campaign = Campaign(
            event_id=event_id, state=state, total=len(invitations), rate_per_second=80
        )
        db.session.add(campaign)
        db.session.flush()
        for n, fields in enumerate(invitations):
            guest = Guest(
                event_id=event_id,
                name=f"Guest {campaign.id}-{n}",
                phone=f"+1202{campaign.id:03d}{n:04d}",
            )
            db.session.add(guest)
            db.session.flush()
            db.session.add(
                Invitation(event_id=event_id, guest_id=guest.id, campaign_id=campaign.id, **fields)
            )
        db.session.commit()
        return campaign.id


@contextmanager
def sql_statements(app: Flask) -> Iterator[list[str]]:
    """Collect the SQL statements the app's engine runs inside the block."""
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])  # (connection, cursor, statement, parameters, ...)

    with app.app_context():
        engine = db.engine
    sqlalchemy_event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sqlalchemy_event.remove(engine, "before_cursor_execute", record)


def text_of(html: str) -> str:
    """The page's text with tags removed and whitespace collapsed, for content checks."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def link_param(html: str, name: str) -> str:
    """The value of query parameter `name` in the first link of the page that has it."""
    match = re.search(rf'href="[^"]*[?&;]{name}=([^"&]+)', html.replace("&amp;", "&"))
    assert match, f"no link with {name}="
    return match.group(1)
