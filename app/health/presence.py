"""When a worker was last seen alive, so that `/ready` rides out a worker's restart.

A deploy restarts the worker (`pm2 restart worker`, a new release on Render or Railway):
for a second or two no worker is registered, and `/ready` must not tell a load balancer or
an uptime check to page anyone. Every heartbeat, and a worker's clean stop, records the
time here; `/ready` fails only when no worker is live and none was seen for
`WORKER_RESTART_GRACE` seconds. RQ's own registration cannot tell this: a worker that
stops cleanly removes it.
"""

from __future__ import annotations

import time

import redis
from redis.client import Pipeline

LAST_SEEN_KEY = "health:workers:last-seen"
# Long past any sensible grace; only keeps Redis tidy when the workers are gone for good.
LAST_SEEN_TTL = 7 * 24 * 3600


def mark_seen(connection: redis.Redis | Pipeline, moment: float | None = None) -> None:
    """Record that a worker is alive now (or at `moment`, seconds since the epoch)."""
    seen = time.time() if moment is None else moment
    connection.set(LAST_SEEN_KEY, f"{seen:.3f}", ex=LAST_SEEN_TTL)


def seconds_since_seen(connection: redis.Redis) -> float | None:
    """Seconds since a worker was last seen alive; None when none ever was (or unreadable)."""
    raw = connection.get(LAST_SEEN_KEY)
    try:
        seen = float(raw) if raw is not None else None
    except ValueError:
        return None
    return None if seen is None else max(0.0, time.time() - seen)
