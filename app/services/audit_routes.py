"""The audit entries of the dashboard's and the API's routes, from the access table.

`before` notes, for a request whose route has an audit action, which event it concerns
(looked up before a delete can take the row away); `after` records the entry once the
response says it succeeded: below 400, and, in the dashboard, no error message flashed.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Request, Response, g, has_request_context, session
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db
from app.services import access, audit

log = logging.getLogger(__name__)

# The event of a path's object, by the path argument that names it.
EVENT_OF = {
    "campaign_id": text("SELECT event_id FROM campaigns WHERE id = :id"),
    "guest_id": text("SELECT event_id FROM guests WHERE id = :id"),
    "message_id": text("SELECT event_id FROM inbound_messages WHERE id = :id"),
}
TARGETS = ("question_id", "campaign_id", "guest_id", "message_id", "event_id")
MAX_FIELD_LENGTH = 100


def before(request: Request) -> None:
    """Note the audit action and event of the request, when its route has one."""
    rule = access.rule_for(request.endpoint)
    action = rule.audited(request.method) if rule else None
    if action is None:
        return
    args = request.view_args or {}
    g.audit_action = action.format(**args) if "{" in action else action
    g.audit_event = args.get("event_id") or _event_of(args)
    g.audit_errors = _error_flashes(request)


def skip() -> None:
    """Record no route entry for this request (its service recorded a truer one)."""
    if has_request_context():
        g.pop("audit_action", None)


def after(request: Request, response: Response) -> None:
    """Record the request's entry if it has one and succeeded."""
    action = g.pop("audit_action", None)
    if action is None or response.status_code >= 400:
        return
    if _error_flashes(request) > g.get("audit_errors", 0):
        return
    args = request.view_args or {}
    detail: dict[str, Any] = {"status": response.status_code, **_fields(request)}
    if response.is_json and response.status_code == 201:
        created = (response.get_json(silent=True) or {}).get("id")
        detail["id"] = created
    try:
        audit.record(
            action,
            event_id=g.get("audit_event"),
            target=_target(args),
            detail=detail,
            on_its_own=True,
        )
    except SQLAlchemyError:
        log.exception("audit: could not record %s", action)


def _event_of(args: dict[str, Any]) -> int | None:
    """The event of the path's campaign, guest or message."""
    for name, query in EVENT_OF.items():
        if name in args:
            found: int | None = db.session.execute(query, {"id": args[name]}).scalar()
            return found
    return None


def _target(args: dict[str, Any]) -> str | None:
    """What the request acted on, e.g. `campaign 5`."""
    for name in TARGETS:
        if name in args:
            return f"{name.removesuffix('_id')} {args[name]}"
    return None


def _fields(request: Request) -> dict[str, str]:
    """The route's audited request fields that the request carries."""
    rule = access.rule_for(request.endpoint)
    if rule is None or not rule.fields:
        return {}
    body: Any = request.get_json(silent=True) if request.is_json else request.form
    if body is None or not hasattr(body, "get"):
        return {}
    found = {name: body.get(name) for name in rule.fields}
    return {
        name: str(value)[:MAX_FIELD_LENGTH] for name, value in found.items() if value is not None
    }


def _error_flashes(request: Request) -> int:
    """How many error messages the dashboard's session holds for the next page."""
    if request.blueprint != "dashboard":
        return 0
    return sum(1 for category, _ in session.get("_flashes", []) if category == "error")
