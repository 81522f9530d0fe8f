"""Keep signed webhooks in Redis while PostgreSQL is unreachable, so none acknowledged is lost.

The web process pushes the raw form to a Redis list when the database fails at the
connection level; `app.tasks.spool.replay_spool` applies the list in order later.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TypeVar

import redis
from sqlalchemy import exc as sa_exc

from app.database import is_database_unavailable
from app.extensions import redis_store
from app.services.webhook_forms import Pairs

log = logging.getLogger(__name__)

SPOOL_KEY = "spool:webhooks"
PROCESSING_KEY = "spool:webhooks:processing"
DEAD_KEY = "spool:webhooks:dead"
LOCK_KEY = "spool:webhooks:lock"
FORMAT_VERSION = 1
# A connection dropped mid-transaction while the server is up is worth one immediate retry.
DISCONNECT_RETRIES = 1

T = TypeVar("T")


class Endpoint(StrEnum):
    """Which webhook a spooled form was posted to."""

    INBOUND = "inbound"
    STATUS = "status"


class SpoolUnavailable(RuntimeError):
    """Neither PostgreSQL nor Redis could take the webhook: Twilio must retry it."""


@dataclass(frozen=True)
class SpooledWebhook:
    """A webhook form kept for later, with the time it was received."""

    endpoint: Endpoint
    pairs: Pairs
    received_at: datetime
    id: str

    def dumps(self) -> str:
        """Serialise as one JSON document."""
        return json.dumps(
            {
                "v": FORMAT_VERSION,
                "id": self.id,
                "endpoint": self.endpoint.value,
                "received_at": self.received_at.isoformat(),
                "form": self.pairs,
            },
            ensure_ascii=False,
        )

    @classmethod
    def loads(cls, raw: bytes | str) -> SpooledWebhook:
        """Parse what `dumps` wrote; raise ValueError (or KeyError/TypeError) if it is not."""
        data = json.loads(raw)
        if not isinstance(data, dict) or data.get("v") != FORMAT_VERSION:
            raise ValueError("not a spooled webhook of a known format")
        received_at = datetime.fromisoformat(data["received_at"])
        if received_at.tzinfo is None:
            raise ValueError("received_at has no time zone")
        pairs = [(str(name), str(value)) for name, value in data["form"]]
        return cls(Endpoint(data["endpoint"]), pairs, received_at, str(data["id"]))


def run_with_retry(apply: Callable[[], T]) -> T:
    """Run a database unit of work, retrying once when its connection died under it."""
    for attempt in range(DISCONNECT_RETRIES + 1):
        try:
            return apply()
        except sa_exc.DBAPIError as error:
            if not error.connection_invalidated or attempt == DISCONNECT_RETRIES:
                raise
            log.warning("database connection lost mid-request; retrying once")
    raise AssertionError("unreachable")  # pragma: no cover


def spool(
    endpoint: Endpoint, pairs: Pairs, received_at: datetime, reason: str = "database unavailable"
) -> SpooledWebhook:
    """Append a webhook to the spool; raise SpoolUnavailable when Redis can't take it."""
    item = SpooledWebhook(endpoint, pairs, received_at, uuid.uuid4().hex)
    try:
        redis_store.connection.rpush(SPOOL_KEY, item.dumps())
    except redis.RedisError as error:
        raise SpoolUnavailable(f"Redis refused the spooled webhook: {error}") from error
    log.warning("%s: %s webhook spooled to Redis as %s", reason, endpoint.value, item.id)
    return item


def store_or_spool(
    endpoint: Endpoint, pairs: Pairs, received_at: datetime, apply: Callable[[], T]
) -> T | None:
    """Apply a webhook now, or spool it when PostgreSQL is unreachable (None then)."""
    try:
        return run_with_retry(apply)
    except sa_exc.SQLAlchemyError as error:
        if not is_database_unavailable(error):
            raise
        reason = f"database unavailable ({type(error).__name__})"
    spool(endpoint, pairs, received_at, reason)
    return None


def spool_length(client: redis.Redis) -> int:
    """How many webhooks wait to be replayed (including one being replayed)."""
    pipe = client.pipeline(transaction=False)
    pipe.llen(SPOOL_KEY)
    pipe.llen(PROCESSING_KEY)
    waiting, processing = pipe.execute()
    return int(waiting) + int(processing)
