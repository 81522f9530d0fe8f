"""Readiness checks of the parts the service needs: PostgreSQL, Redis, RQ workers, sending.

`/ready`, `flask doctor` and the dashboard's `/system` page run these same checks; each
failing check says what to do about it (`Check.action`, the README's runbook in short).
"""

from __future__ import annotations

from dataclasses import dataclass

import redis
from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db, redis_store
from app.health.jobs import worker_rows
from app.health.presence import seconds_since_seen
from app.sending.stuck import last_error, stuck_campaigns


@dataclass(frozen=True)
class Check:
    """The outcome of one check, and what to do when it failed."""

    ok: bool
    detail: str
    action: str = ""


def check_database() -> Check:
    """Run `SELECT 1` on a pooled connection."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        db.session.rollback()
        return Check(
            False,
            type(getattr(error, "orig", None) or error).__name__,
            "check DATABASE_URL and that PostgreSQL is up (webhooks are spooled meanwhile)",
        )
    return Check(True, "ok")


def check_redis() -> Check:
    """Ping Redis."""
    try:
        redis_store.connection.ping()
    except redis.RedisError as error:
        return Check(
            False, type(error).__name__, "check REDIS_URL and that Redis is up (nothing is lost)"
        )
    return Check(True, "ok")


def check_workers() -> Check:
    """At least one RQ worker is live, or one was seen within `WORKER_RESTART_GRACE` seconds.

    A live worker has sent a heartbeat recently and its process still runs. The grace keeps
    a deploy's worker restart (no worker registered for a second or two) from failing
    readiness; a worker gone for longer does.
    """
    try:
        live = [worker for worker in worker_rows(redis_store.connection) if worker.alive]
        absent_for = None if live else seconds_since_seen(redis_store.connection)
    except redis.RedisError as error:
        return Check(False, type(error).__name__, "Redis is unreachable: see the redis check")
    if live:
        return Check(True, f"{len(live)} live")
    grace = current_app.config["SETTINGS"].worker_restart_grace
    if absent_for is not None and absent_for <= grace:
        return Check(True, f"0 live, one seen {absent_for:.0f} s ago (restart grace {grace} s)")
    detail = "no live worker"
    if absent_for is not None:
        detail += f" for {absent_for:.0f} s (restart grace {grace} s)"
    return Check(False, detail, "start `python -m worker`; see `flask --app app workers`")


def check_sending() -> Check:
    """No running campaign has had invitations due and none settled for SEND_STUCK_AFTER s."""
    quiet_limit = current_app.config["SENDING"].stuck_after
    try:
        stuck = stuck_campaigns(db.session.connection(), quiet_limit)
    except SQLAlchemyError as error:
        db.session.rollback()
        return Check(
            False,
            type(getattr(error, "orig", None) or error).__name__,
            "a missing table means `flask --app app db upgrade`; else see the database check",
        )
    if not stuck:
        return Check(True, "ok")
    parts = []
    for scheduled, what in ((False, "invitations due, none settled for"), (True, "not started")):
        group = [campaign for campaign in stuck if campaign.scheduled is scheduled]
        if group:
            ids = ", ".join(str(campaign.id) for campaign in group)
            quiet = round(max(campaign.quiet_for for campaign in group))
            late = f"{what} {quiet} s" if not scheduled else f"{what}, due {quiet} s ago"
            parts.append(f"campaigns {ids}: {late} (>{quiet_limit:g} s)")
    detail = "; ".join(parts)
    last = last_error(redis_store.connection)
    if last is not None:
        detail += f"; last error ({last['where']}, {last['age']:g} s ago): {last['error']}"
    return Check(
        False, detail, "read the worker logs; `flask --app app jobs failed`; restart the worker"
    )


def ready_checks() -> dict[str, Check]:
    """Everything `/ready` answers for: PostgreSQL, Redis, a live worker, campaigns sending."""
    database = check_database()
    return {
        "database": database,
        "redis": check_redis(),
        "workers": check_workers(),
        "sending": check_sending()
        if database.ok
        else Check(False, "database unavailable", "see the database check"),
    }
