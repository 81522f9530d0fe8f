"""Replay webhooks spooled while PostgreSQL was down: in order, once, from any process."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime

import redis
from flask import Flask, has_app_context
from redis.exceptions import LockError, LockNotOwnedError
from sqlalchemy import exc as sa_exc

from app.database import is_database_unavailable
from app.extensions import redis_store
from app.services.delivery import apply_status
from app.services.inbound import record_inbound
from app.services.spooled_answers import OwedAnswers
from app.services.webhook_forms import parse_inbound, parse_status
from app.services.webhook_spool import (
    DEAD_KEY,
    LOCK_KEY,
    PROCESSING_KEY,
    SPOOL_KEY,
    Endpoint,
    SpooledWebhook,
    spool_length,
)

log = logging.getLogger(__name__)

# The lock outlives one item's transaction (statement_timeout 15 s) and is renewed per item.
LOCK_SECONDS = 60
DEFAULT_LIMIT = 1000


class DatabaseStillDown(RuntimeError):
    """PostgreSQL failed again during the replay: stop and leave the item for next time."""


def apply_spooled(item: SpooledWebhook, owed: OwedAnswers) -> None:
    """Apply one spooled webhook with the same idempotent services the views use, noting
    the answer a message's guest is owed."""
    if item.endpoint is Endpoint.INBOUND:
        form = parse_inbound(item.pairs)
        owed.note(form, item.received_at, record_inbound(form, item.received_at))
    else:
        apply_status(parse_status(item.pairs), item.received_at)


def replay_one(client: redis.Redis, raw: str, owed: OwedAnswers) -> None:
    """Apply one item and remove it; park it in the dead list if it can never apply."""
    try:
        apply_spooled(SpooledWebhook.loads(raw), owed)
    except sa_exc.SQLAlchemyError as error:
        if is_database_unavailable(error):
            raise DatabaseStillDown(type(error).__name__) from error
        park(client, raw, error)
    except (ValueError, KeyError, TypeError) as error:  # FormError is a ValueError
        park(client, raw, error)
    client.lrem(PROCESSING_KEY, 1, raw)


def park(client: redis.Redis, raw: str, error: BaseException) -> None:
    """Move an item that fails for a reason other than the database being down aside."""
    # The error's class only: a database error's text carries the message's phone and body.
    log.error("spooled webhook cannot be applied (%s); moved to %s", type(error).__name__, DEAD_KEY)
    client.rpush(DEAD_KEY, raw)


def next_item(client: redis.Redis) -> str | None:
    """The oldest item: one a crashed replay left half-done first, else the spool's head."""
    raw = client.lindex(PROCESSING_KEY, 0)
    if raw is None:
        raw = client.lmove(SPOOL_KEY, PROCESSING_KEY, "LEFT", "RIGHT")
    return raw.decode() if isinstance(raw, bytes) else raw


def drain(client: redis.Redis, lock: redis.lock.Lock, limit: int) -> int:
    """Replay up to `limit` items in order, then queue the answers they owe; return how many
    were taken off the spool."""
    replayed = 0
    owed = OwedAnswers()
    while replayed < limit:
        raw = next_item(client)
        if raw is None:
            break
        try:
            replay_one(client, raw, owed)
        except DatabaseStillDown as error:
            log.warning("spool replay paused: database still unavailable (%s)", error)
            break
        replayed += 1
        try:
            lock.reacquire()
        except LockNotOwnedError:
            log.warning("spool replay lock lost; another process continues the replay")
            break
    try:
        owed.queue()
    except sa_exc.SQLAlchemyError as error:
        log.warning("answers owed to spooled guests not queued (%s)", type(error).__name__)
    return replayed


def _app_context(app: Flask | None) -> AbstractContextManager[object]:
    """The given app's context, the current one, or a worker app's built from the env."""
    if app is not None:
        return app.app_context()
    if has_app_context():
        return nullcontext()
    from app import create_app

    return create_app({"APP_PROCESS": "worker"}).app_context()


@contextmanager
def _replay_lock(client: redis.Redis) -> Iterator[redis.lock.Lock | None]:
    """Hold the replay lock, or yield None when another process holds it."""
    lock = client.lock(LOCK_KEY, timeout=LOCK_SECONDS, blocking=False)
    if not lock.acquire():
        yield None
        return
    try:
        yield lock
    finally:
        try:
            lock.release()
        except LockError:
            log.warning("spool replay lock expired before release")


def replay_spool(app: Flask | None = None, limit: int = DEFAULT_LIMIT) -> int:
    """Apply spooled webhooks in arrival order; return how many were replayed.

    Safe to call from several processes at once (one replays, the others return 0) and
    after a crash (an item left in the processing list is applied again, idempotently).
    """
    with _app_context(app):
        client = redis_store.connection
        with _replay_lock(client) as lock:
            if lock is None:
                return 0
            replayed = drain(client, lock, limit)
        if replayed:
            log.info("replayed %d spooled webhooks", replayed)
        return replayed


@dataclass(frozen=True)
class SpoolStatus:
    """How many spooled webhooks wait or are parked dead, and since when the oldest waits."""

    waiting: int
    dead: int
    oldest_received_at: datetime | None


def received_at(raw: bytes | str | None) -> datetime | None:
    """When a spooled item was received (None when there is none or it is unreadable)."""
    if raw is None:
        return None
    try:
        return SpooledWebhook.loads(raw).received_at
    except (ValueError, KeyError, TypeError):
        return None


def spool_status(client: redis.Redis) -> SpoolStatus:
    """Read the spool's lengths and its oldest item's arrival time."""
    oldest = client.lindex(PROCESSING_KEY, 0) or client.lindex(SPOOL_KEY, 0)
    return SpoolStatus(spool_length(client), int(client.llen(DEAD_KEY)), received_at(oldest))


def revive_dead(client: redis.Redis) -> int:
    """Move every parked (dead) item back to the spool's tail, for a replay after a fix."""
    moved = 0
    while client.lmove(DEAD_KEY, SPOOL_KEY, "LEFT", "RIGHT") is not None:
        moved += 1
    return moved
