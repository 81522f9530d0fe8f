"""The audit trail: who did what and when, appended to `audit_log` and never changed.

Interfaces say who is acting (`act_as`, once per request: the dashboard's user, the API
token's user, or the deploy's `API_TOKEN`); `record` appends an entry for them. The
dashboard's and the API's routes are recorded by the access table's `audit` actions
(`app.services.access`); sign-ins and the team's changes are recorded where they happen.
Entries are kept `AUDIT_RETENTION_DAYS` and pruned by the worker's sweep.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import g, has_request_context, request
from sqlalchemy import delete, insert, select, text

from app.extensions import db
from app.models import AuditEntry, UserRole

log = logging.getLogger(__name__)

PAGE_SIZE = 100
MAX_VALUE_LENGTH = 100
ALLOW_PRUNING = text("SET LOCAL audit.pruning = 'on'")


@dataclass(frozen=True)
class Actor:
    """Who is acting: a user (through the dashboard or one of their tokens), the deploy's
    `API_TOKEN`, or an operator's command."""

    label: str  # the user's email, "API_TOKEN", "cli", "worker"
    via: str  # dashboard, api, cli, worker
    user_id: int | None = None
    role: UserRole | None = None
    read_only: bool = False
    token_id: int | None = None
    token_name: str | None = None


CLI = Actor("cli", "cli")
WORKER = Actor("worker", "worker")


def act_as(actor: Actor) -> None:
    """Make `actor` the one the current request's entries name."""
    g.audit_actor = actor


def current_actor() -> Actor:
    """The request's actor, else the operator's command line."""
    if has_request_context():
        actor: Actor | None = g.get("audit_actor")
        if actor is not None:
            return actor
    return CLI


def record(
    action: str,
    *,
    actor: Actor | None = None,
    event_id: int | None = None,
    target: str | None = None,
    detail: dict[str, Any] | None = None,
    on_its_own: bool = False,
) -> None:
    """Append an entry to the trail and commit it, with whatever change the session holds
    (the change and its entry land together).

    `on_its_own` writes it in a transaction of its own instead, leaving the session and its
    loaded objects alone (after a response is made: an export still streams them).
    """
    actor = actor or current_actor()
    extra = dict(detail or {})
    if actor.token_name is not None:
        extra["token"] = actor.token_name
    address = request.remote_addr if has_request_context() else None
    values = {
        "actor_id": actor.user_id,
        "actor": actor.label[:254],
        "via": actor.via,
        "action": action,
        "event_id": event_id,
        "target": target[:MAX_VALUE_LENGTH] if target else None,
        "detail": extra,
        "address": address[:45] if address else None,
    }
    if on_its_own:
        with db.engine.begin() as connection:
            connection.execute(insert(AuditEntry).values(**values))
    else:
        db.session.add(AuditEntry(**values))
        db.session.commit()
    log.info("audit: %s by %s", action, actor.user_id or actor.label)


@dataclass(frozen=True)
class AuditFilter:
    """What the trail's readers ask for; every part optional."""

    action: str | None = None  # exact, or a prefix ending in "." ("campaign.")
    actor: str | None = None  # part of the actor's label (an email)
    event_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    before_id: int | None = None  # the page after the one that ended at this id


def entries(where: AuditFilter, limit: int = PAGE_SIZE) -> list[AuditEntry]:
    """The newest entries that match, newest first."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if where.action:
        if where.action.endswith("."):
            query = query.where(AuditEntry.action.startswith(where.action, autoescape=True))
        else:
            query = query.where(AuditEntry.action == where.action)
    if where.actor:
        query = query.where(AuditEntry.actor.icontains(where.actor, autoescape=True))
    if where.event_id is not None:
        query = query.where(AuditEntry.event_id == where.event_id)
    if where.since is not None:
        query = query.where(AuditEntry.at >= where.since)
    if where.until is not None:
        query = query.where(AuditEntry.at < where.until)
    if where.before_id is not None:
        query = query.where(AuditEntry.id < where.before_id)
    return list(db.session.scalars(query))


def as_json(entry: AuditEntry) -> dict[str, Any]:
    """An entry as the API gives it."""
    return {
        "id": entry.id,
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "actor_id": entry.actor_id,
        "via": entry.via,
        "action": entry.action,
        "event_id": entry.event_id,
        "target": entry.target,
        "detail": entry.detail,
        "address": entry.address,
    }


def prune(retention_days: int) -> int:
    """Delete the entries older than the retention (the one delete the trail allows)."""
    with db.engine.begin() as connection:
        connection.execute(ALLOW_PRUNING)
        cutoff = text("now() - make_interval(days => :days)").bindparams(days=retention_days)
        result = connection.execute(delete(AuditEntry).where(AuditEntry.at < cutoff))
    pruned = result.rowcount or 0
    if pruned:
        log.info("audit: pruned %s entries older than %s days", pruned, retention_days)
    return pruned
