"""The audit trail (owners only): `GET /audit`, newest first, filtered by action, person,
event and dates, a page at a time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask import render_template, request
from flask.typing import ResponseReturnValue

from app.dashboard import bp
from app.services import audit
from app.services.audit import AuditFilter
from app.services.parsing import parse_id

ACTIONS = (
    "sign_in",
    "event.",
    "guest.",
    "guests.import",
    "guests.export",
    "campaign.",
    "invitation.send",
    "rsvp.set_by_hand",
    "reply.send",
    "message.dismiss",
    "question.",
    "template.submit",
    "user.",
    "token.",
)


@bp.get("/audit")
def audit_page() -> ResponseReturnValue:
    """Who did what and when."""
    action = request.args.get("action", "")
    where = AuditFilter(
        action=action if action in ACTIONS else None,
        actor=printable(request.args.get("actor", "")),
        event_id=parse_id(request.args.get("event")),
        since=day_start(request.args.get("since")),
        until=day_start(request.args.get("until"), next_day=True),
        before_id=parse_id(request.args.get("before")),
    )
    rows = audit.entries(where, audit.PAGE_SIZE + 1)
    page = rows[: audit.PAGE_SIZE]
    older = None
    if len(rows) > audit.PAGE_SIZE:
        older = {**{k: v for k, v in request.args.items() if k != "before"}, "before": page[-1].id}
    return render_template(
        "dashboard/audit.html", entries=page, actions=ACTIONS, args=request.args, older=older
    )


def printable(raw: str) -> str | None:
    """A text filter as typed (trimmed, at most 254 characters), or None for none or garble."""
    text = raw.strip()[:254]
    return text if text and text.isprintable() else None


def day_start(raw: str | None, next_day: bool = False) -> datetime | None:
    """The start of a `YYYY-MM-DD` day in UTC (of the next day, for an inclusive end)."""
    try:
        day = date.fromisoformat((raw or "").strip())
    except ValueError:
        return None
    start = datetime.combine(day, time(), UTC)
    return start + timedelta(days=1) if next_day else start
