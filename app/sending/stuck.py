"""Campaigns that should be sending and are not, and the last error the engine met.

A running campaign is stuck when it has invitations due now and has settled none for
`SEND_STUCK_AFTER` seconds (`campaigns.progressed_at`, stamped by the result writer); a
scheduled one, when its `send_at` passed that long ago and no worker's sweep started it.
The cause is usually in the worker's logs; the last error any drain or sweep met is also
kept in Redis so that /ready, /metrics and /system can say it without a shell.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import redis
import redis.asyncio as aioredis
from sqlalchemy import Connection

from app.models.enums import states_text

log = logging.getLogger(__name__)

LAST_ERROR_KEY = "sending:last_error"
LAST_ERROR_TTL = 24 * 3600

STUCK = states_text("""
SELECT c.id, c.progressed_at, EXTRACT(EPOCH FROM now() - c.progressed_at) AS quiet_for,
    false AS scheduled
FROM campaigns AS c
WHERE c.state = :campaign_running AND c.progressed_at < now() - make_interval(secs => :quiet)
  AND EXISTS (
      SELECT 1 FROM invitations AS i
      WHERE i.campaign_id = c.id AND i.send_state = :send_pending AND i.next_attempt_at <= now())
UNION ALL
SELECT c.id, c.send_at, EXTRACT(EPOCH FROM now() - c.send_at), true
FROM campaigns AS c
WHERE c.state = :campaign_scheduled AND c.send_at < now() - make_interval(secs => :quiet)
ORDER BY 1
""")

# Settling an invitation is progress: stamped for the campaigns of the given invitations.
PROGRESSED = states_text("""
UPDATE campaigns SET progressed_at = now()
WHERE state = :campaign_running AND id IN (
    SELECT DISTINCT campaign_id FROM invitations WHERE id = ANY(CAST(:ids AS integer[])))
""")


@dataclass(frozen=True)
class StuckCampaign:
    """A running campaign with due work and no progress for a while, or a scheduled one
    overdue."""

    id: int
    progressed_at: datetime | None  # a scheduled campaign's: its `send_at`
    quiet_for: float  # seconds since it last settled an invitation, or was due to start
    scheduled: bool = False


def stuck_campaigns(connection: Connection, quiet: float) -> list[StuckCampaign]:
    """Running campaigns with invitations due and none settled for `quiet` seconds."""
    rows = connection.execute(STUCK, {"quiet": quiet})
    return [
        StuckCampaign(row.id, row.progressed_at, float(row.quiet_for), row.scheduled)
        for row in rows
    ]


def mark_progress(connection: Connection, invitation_ids: list[int]) -> None:
    """Stamp the campaigns of these just-settled invitations as progressing."""
    if invitation_ids:
        connection.execute(PROGRESSED, {"ids": invitation_ids})


def error_record(where: str, error: BaseException | str) -> str:
    """The JSON kept for the last error: where, what, and when (Unix time)."""
    what = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    return json.dumps({"where": where, "error": what.splitlines()[0][:300], "at": time.time()})


def note_error(connection: redis.Redis, where: str, error: BaseException | str) -> None:
    """Keep the engine's last error in Redis (never raises: Redis may be the problem)."""
    try:
        connection.set(LAST_ERROR_KEY, error_record(where, error), ex=LAST_ERROR_TTL)
    except redis.RedisError:
        log.debug("could not record the last sending error")


async def note_error_async(
    connection: aioredis.Redis, where: str, error: BaseException | str
) -> None:
    """`note_error` for the drain's asyncio Redis client."""
    try:
        await connection.set(LAST_ERROR_KEY, error_record(where, error), ex=LAST_ERROR_TTL)
    except redis.RedisError:
        log.debug("could not record the last sending error")


def last_error(connection: redis.Redis) -> dict[str, Any] | None:
    """The last error recorded, with `age` in seconds; None when none (or Redis is down)."""
    try:
        raw = connection.get(LAST_ERROR_KEY)
    except redis.RedisError:
        return None
    if not raw:
        return None
    try:
        record: dict[str, Any] = json.loads(raw)
        record["age"] = round(time.time() - float(record["at"]), 1)
    except (ValueError, KeyError, TypeError):
        return None
    return record
