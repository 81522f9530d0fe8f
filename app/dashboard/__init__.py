"""The organiser's dashboard: server-rendered pages behind a login.

Register `bp` on the app; registering it also configures Flask-Login (user loader, login
view) and the login rate limiter for that app. Every route but `/login` and the static
files needs a signed-in user.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint(
    "dashboard",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/dashboard-static",
)

# Each concern's routes register themselves on `bp` when imported.
from app.dashboard import (  # noqa: E402
    after_event,
    approvals,
    audit,
    auth,
    campaigns,
    changes,
    conversations,
    door,
    doors,
    edits,
    event_edits,
    events,
    exports,
    guests,
    http,
    imports,
    inbox,
    languages,
    messages,
    parties,
    questions,
    system,
    team,
    text,
    tokens,
    two_factor,
)

__all__ = [
    "after_event",
    "approvals",
    "audit",
    "auth",
    "bp",
    "campaigns",
    "changes",
    "conversations",
    "door",
    "doors",
    "edits",
    "event_edits",
    "events",
    "exports",
    "guests",
    "http",
    "imports",
    "inbox",
    "languages",
    "messages",
    "parties",
    "questions",
    "system",
    "team",
    "text",
    "tokens",
    "two_factor",
]
