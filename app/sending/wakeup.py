"""Wake-ups in Redis: at most one queued drain job, and the registry of running drainers.

Redis holds no sending state worth keeping: if it is flushed, the queued wake-up and the
registry vanish, the worker's sweeper finds due work in PostgreSQL and with no live
drainer, and requests a new drain. A duplicate drain is harmless (claims are exclusive).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable

import redis
from rq import Queue

from app.sending.owners import is_gone, local_pid
from app.sending.settings import MAX_SLICES, SendingSettings

log = logging.getLogger(__name__)

WAKEUP_KEY = "sending:wakeup"
DRAINERS_KEY = "sending:drainers"
# A queued wake-up not started within this long may be lost: allow another.
WAKEUP_TTL = 60
DRAINER_TTL = 10.0
DRAIN_JOB = "app.tasks.sending.send_due_invitations"
DRAIN_JOB_PREFIX = "sending-drain-"
# How many queued jobs to look at when deciding whether other work waits.
QUEUE_PEEK = 50
FAILURE_TTL = 24 * 3600

REGISTER = """
local key, token, limit, ttl = KEYS[1], ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
if redis.call('ZSCORE', key, token) == false and redis.call('ZCARD', key) >= limit then
  return 0
end
redis.call('ZADD', key, now + ttl, token)
redis.call('PEXPIRE', key, ttl * 2)
return 1
"""

LIVE = """
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZCARD', KEYS[1])
"""


def drain_job_timeout(settings: SendingSettings) -> int:
    """RQ's timeout for a drain: all its slices, the last requests, and a margin."""
    return int(settings.slice_seconds * MAX_SLICES + settings.send_window + 60)


def request_drain(connection: redis.Redis, settings: SendingSettings) -> bool:
    """Enqueue a drain job unless one is already waiting; return whether one was enqueued."""
    if not connection.set(WAKEUP_KEY, "1", nx=True, ex=WAKEUP_TTL):
        return False
    Queue(settings.queue, connection=connection).enqueue(
        DRAIN_JOB,
        job_id=f"{DRAIN_JOB_PREFIX}{uuid.uuid4().hex}",
        job_timeout=drain_job_timeout(settings),
        result_ttl=0,
        failure_ttl=FAILURE_TTL,
        description="send due invitations",
    )
    log.debug("drain requested on %s", settings.queue)
    return True


def request_drain_quietly(connection: redis.Redis, settings: SendingSettings) -> bool:
    """`request_drain`, logging instead of raising when Redis is down (the sweeper retries)."""
    try:
        return request_drain(connection, settings)
    except redis.RedisError as error:
        log.warning("could not request a drain (%s); the sweeper will", type(error).__name__)
        return False


def drain_started(connection: redis.Redis) -> None:
    """Let the next wake-up queue a new drain: this one is running."""
    connection.delete(WAKEUP_KEY)


def register_drainer(connection: redis.Redis, token: str, limit: int) -> bool:
    """Join the live drainers if fewer than `limit` run (or renew); return whether joined."""
    script = connection.register_script(REGISTER)
    return bool(script(keys=[DRAINERS_KEY], args=[token, limit, int(DRAINER_TTL * 1000)]))


def unregister_drainer(connection: redis.Redis, token: str) -> None:
    """Leave the live drainers."""
    connection.zrem(DRAINERS_KEY, token)


def prune_dead_drainers(connection: redis.Redis) -> list[str]:
    """Forget drainers whose process died on this host (kill -9), without waiting for their
    registration to expire; return them."""
    members: list[bytes] = connection.zrange(DRAINERS_KEY, 0, -1)  # type: ignore[assignment]
    tokens = [member.decode() for member in members]
    dead = [token for token in tokens if (pid := local_pid(token)) is not None and is_gone(pid)]
    if dead:
        connection.zrem(DRAINERS_KEY, *dead)
    return dead


def live_drainers(connection: redis.Redis) -> int:
    """How many drainers have renewed their registration recently."""
    return int(connection.register_script(LIVE)(keys=[DRAINERS_KEY]))


def other_jobs_waiting(connection: redis.Redis, queue_names: Iterable[str]) -> bool:
    """Whether any queue holds a job other than a drain (which would wait for this one)."""
    for name in queue_names:
        ids = Queue(name, connection=connection).get_job_ids(0, QUEUE_PEEK)
        if any(not job_id.startswith(DRAIN_JOB_PREFIX) for job_id in ids):
            return True
    return False
