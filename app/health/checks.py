"""Readiness checks of the parts the service needs: PostgreSQL, Redis, RQ workers, sending."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import redis
from flask import current_app
from rq import Worker
from rq.worker import BaseWorker
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db, redis_store
from app.sending.stuck import last_error, stuck_campaigns


@dataclass(frozen=True)
class Check:
    """The outcome of one readiness check."""

    ok: bool
    detail: str


def check_database() -> Check:
    """Run `SELECT 1` on a pooled connection."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        db.session.rollback()
        return Check(False, type(getattr(error, "orig", None) or error).__name__)
    return Check(True, "ok")


def check_redis() -> Check:
    """Ping Redis."""
    try:
        redis_store.connection.ping()
    except redis.RedisError as error:
        return Check(False, type(error).__name__)
    return Check(True, "ok")


def live_workers(connection: redis.Redis, max_silence: float) -> list[BaseWorker]:
    """Return the RQ workers whose last heartbeat is at most `max_silence` seconds old."""
    now = datetime.now(UTC)
    alive = []
    for worker in Worker.all(connection=connection):
        beat = worker.last_heartbeat
        if beat is None:
            continue
        if beat.tzinfo is None:
            beat = beat.replace(tzinfo=UTC)
        if (now - beat).total_seconds() <= max_silence:
            alive.append(worker)
    return alive


def check_workers(max_silence: float) -> Check:
    """At least one RQ worker has sent a heartbeat recently."""
    try:
        workers = live_workers(redis_store.connection, max_silence)
    except redis.RedisError as error:
        return Check(False, type(error).__name__)
    if not workers:
        return Check(False, "no live worker")
    return Check(True, f"{len(workers)} live")


def check_sending() -> Check:
    """No running campaign has had invitations due and none settled for SEND_STUCK_AFTER s."""
    quiet_limit = current_app.config["SENDING"].stuck_after
    try:
        stuck = stuck_campaigns(db.session.connection(), quiet_limit)
    except SQLAlchemyError as error:
        db.session.rollback()
        return Check(False, type(getattr(error, "orig", None) or error).__name__)
    if not stuck:
        return Check(True, "ok")
    ids = ", ".join(str(campaign.id) for campaign in stuck)
    quiet = round(max(campaign.quiet_for for campaign in stuck))
    detail = f"campaigns {ids}: invitations due, none settled for {quiet} s (>{quiet_limit:g} s)"
    last = last_error(redis_store.connection)
    if last is not None:
        detail += f"; last error ({last['where']}, {last['age']:g} s ago): {last['error']}"
    return Check(False, detail)
