"""The shared pace and concurrency of a sender, in Redis, for every worker on every machine.

`RateLimiter` is a GCRA in a Lua script that reads Redis `TIME`: each call reserves the
next free send slots of the sender (one every `1 / (rate * factor)` seconds) and returns
when they are, so workers sleep until their slot instead of polling. `factor` is the
adaptive part: a 429 or a sender-limit error (63018, 30001) cuts it and may hold every
worker for a while; it grows back linearly. Losing the key (FLUSHALL) only forgets the
pace for an instant.

`InFlightPool` caps concurrent requests across workers: each process holds a number of
permits under a lease that expires if the process dies without returning them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections import deque
from dataclasses import dataclass

import redis.asyncio as aioredis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

KEY_PREFIX = "sending"
# Reserve slots at most this far ahead, so a worker that stops wastes little of the rate.
HORIZON_MS = 250
# Each reservation covers this much of the rate, so Redis sees ~10 calls/s per worker.
CHUNK_SECONDS = 0.1
RETRY_ON_REDIS_ERROR = 1.0
# Slots up to this late are still used (catching up after a stall), older ones dropped.
STALE_SLOT = HORIZON_MS / 1000
# When Redis grants no permit, ask again at most this often (other waiters wait locally).
PERMIT_POLL = 0.05
# A throttled (429) sender runs at `factor` times its rate: cut on each 429 at most once per
# cooldown, regained at RECOVERY per second.
THROTTLE_CUT = 0.7
SLOW_DOWN_CUT = 0.5
MIN_FACTOR = 0.05
RECOVERY_PER_SECOND = 0.1
THROTTLE_COOLDOWN_MS = 5000
SLOW_DOWN_HOLD_MS = 10_000

RESERVE = """
local key = KEYS[1]
local rate, want = tonumber(ARGV[1]), tonumber(ARGV[2])
local horizon, recovery = tonumber(ARGV[3]), tonumber(ARGV[4])
local t = redis.call('TIME')
local now = t[1] * 1000 + t[2] / 1000
local s = redis.call('HMGET', key, 'tat', 'factor', 'factor_at', 'hold_until')
local tat = tonumber(s[1]) or now
local factor = tonumber(s[2]) or 1
local factor_at = tonumber(s[3]) or now
local hold = tonumber(s[4]) or 0
factor = math.min(1, factor + recovery * (now - factor_at) / 1000)
local interval = 1000 / (rate * factor)
tat = math.max(tat, now, hold)
local granted = 0
if tat - now <= horizon then
  granted = math.min(want, math.floor((now + horizon - tat) / interval) + 1)
end
local first = tat - now
redis.call('HSET', key, 'tat', tostring(tat + granted * interval),
  'factor', tostring(factor), 'factor_at', tostring(now))
redis.call('PEXPIRE', key, 3600000)
return {granted, tostring(first), tostring(interval), tostring(factor)}
"""

THROTTLE = """
local key = KEYS[1]
local cut, hold_ms = tonumber(ARGV[1]), tonumber(ARGV[2])
local cooldown, min_factor = tonumber(ARGV[3]), tonumber(ARGV[4])
local t = redis.call('TIME')
local now = t[1] * 1000 + t[2] / 1000
local s = redis.call('HMGET', key, 'factor', 'cut_at', 'hold_until')
local factor = tonumber(s[1]) or 1
local cut_at = tonumber(s[2]) or 0
local hold = tonumber(s[3]) or 0
if now - cut_at < cooldown then
  return tostring(factor)
end
factor = math.max(min_factor, factor * cut)
redis.call('HSET', key, 'factor', tostring(factor), 'factor_at', tostring(now),
  'cut_at', tostring(now), 'hold_until', tostring(math.max(hold, now + hold_ms)))
redis.call('PEXPIRE', key, 3600000)
return tostring(factor)
"""

GRANT = """
local counts, expiry = KEYS[1], KEYS[2]
local holder, want, cap, ttl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
for _, dead in ipairs(redis.call('ZRANGEBYSCORE', expiry, '-inf', now)) do
  redis.call('HDEL', counts, dead)
  redis.call('ZREM', expiry, dead)
end
local total = 0
local values = redis.call('HVALS', counts)
for i = 1, #values do total = total + tonumber(values[i]) end
local granted = math.max(0, math.min(want, cap - total))
if granted > 0 then redis.call('HINCRBY', counts, holder, granted) end
redis.call('ZADD', expiry, now + ttl, holder)
redis.call('PEXPIRE', counts, ttl * 2)
redis.call('PEXPIRE', expiry, ttl * 2)
return granted
"""

# Renew by a delta (permits given back), so that a grant landing meanwhile is not
# overwritten; a holder whose entry is gone (Redis flushed or restarted) writes its count.
RENEW = """
local counts, expiry = KEYS[1], KEYS[2]
local holder, delta, held, ttl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local current = held
if redis.call('HEXISTS', counts, holder) == 1 then
  current = redis.call('HINCRBY', counts, holder, delta)
end
if current > 0 then
  redis.call('HSET', counts, holder, current)
  redis.call('ZADD', expiry, now + ttl, holder)
else
  redis.call('HDEL', counts, holder)
  redis.call('ZREM', expiry, holder)
end
redis.call('PEXPIRE', counts, ttl * 2)
redis.call('PEXPIRE', expiry, ttl * 2)
return current
"""


def rate_key(sender: str) -> str:
    """The limiter hash of one sender."""
    return f"{KEY_PREFIX}:rate:{sender}"


@dataclass(frozen=True)
class Reservation:
    """Send slots granted by Redis: `count` slots, `interval` seconds apart, from `first`."""

    count: int
    first: float  # seconds from now
    interval: float
    factor: float


class RateLimiter:
    """The sender's shared GCRA pace; `wait_turn` returns when this caller may send."""

    def __init__(self, connection: aioredis.Redis, sender: str, rate_per_second: float) -> None:
        self.connection = connection
        self.key = rate_key(sender)
        self.rate = rate_per_second
        self.chunk = max(1, int(rate_per_second * CHUNK_SECONDS))
        self._reserve = connection.register_script(RESERVE)
        self._throttle = connection.register_script(THROTTLE)
        self._slots: deque[float] = deque()
        self._refill = asyncio.Lock()
        self.factor = 1.0

    async def reserve(self, want: int) -> Reservation:
        """Ask Redis for up to `want` slots within the horizon."""
        args = [self.rate, want, HORIZON_MS, RECOVERY_PER_SECOND]
        granted, first, interval, factor = await self._reserve(keys=[self.key], args=args)
        self.factor = float(factor)
        return Reservation(int(granted), float(first) / 1000, float(interval) / 1000, self.factor)

    async def wait_turn(self) -> None:
        """Sleep until one of this process's reserved slots comes up (reserving more as needed)."""
        while True:
            while not self._slots:
                async with self._refill:
                    if not self._slots:
                        await self._fill()
            slot = self._slots.popleft()
            delay = slot - time.monotonic()
            # A slot left unused for long is dropped: using it now would burst above the pace.
            if delay >= -STALE_SLOT:
                break
        if delay > 0:
            await asyncio.sleep(delay)

    async def _fill(self) -> None:
        """Reserve the next chunk of slots; on no grant or a Redis error, wait and retry."""
        try:
            reservation = await self.reserve(self.chunk)
        except RedisError as error:
            log.warning("rate limiter unavailable (%s); retrying", type(error).__name__)
            await asyncio.sleep(RETRY_ON_REDIS_ERROR)
            return
        start = time.monotonic() + reservation.first
        if reservation.count == 0:
            await asyncio.sleep(max(0.01, reservation.first - HORIZON_MS / 1000))
            return
        self._slots.extend(start + i * reservation.interval for i in range(reservation.count))

    async def throttled(self, retry_after: float | None) -> float:
        """Slow the sender after a 429: cut its pace and hold it for `Retry-After` seconds."""
        hold_ms = int(1000 * min(retry_after if retry_after is not None else 1.0, 60.0))
        return await self._cut(THROTTLE_CUT, hold_ms)

    async def slowed_down(self) -> float:
        """Slow the sender after a sender-limit error (63018, 30001): halve it and hold it."""
        return await self._cut(SLOW_DOWN_CUT, SLOW_DOWN_HOLD_MS)

    async def _cut(self, cut: float, hold_ms: int) -> float:
        """Apply a cut, at most once per cooldown for the whole sender; return the factor."""
        try:
            factor = await self._throttle(
                keys=[self.key],
                args=[cut, hold_ms, max(THROTTLE_COOLDOWN_MS, 2 * hold_ms), MIN_FACTOR],
            )
        except RedisError as error:
            log.warning("could not slow the limiter down (%s)", type(error).__name__)
            return self.factor
        self.factor = float(factor)
        # Slots already reserved here would ignore the hold.
        self._slots.clear()
        return self.factor


class InFlightPool:
    """This process's share of the sender-wide cap on concurrent requests.

    Permits are taken from Redis in chunks under a lease (`holder` expires unless renewed)
    and handed back when unused, so the sum over live processes stays under `cap`.
    """

    def __init__(self, connection: aioredis.Redis, sender: str, cap: int, ttl: float) -> None:
        self.connection = connection
        self.keys = [f"{KEY_PREFIX}:inflight:{sender}", f"{KEY_PREFIX}:inflight:{sender}:expiry"]
        self.holder = uuid.uuid4().hex
        self.cap = cap
        self.ttl_ms = int(ttl * 1000)
        self.chunk = max(1, cap // 20)
        self.held = 0
        self.used = 0
        self._grant = connection.register_script(GRANT)
        self._renew = connection.register_script(RENEW)
        self._changed = asyncio.Condition()
        self._next_ask = 0.0

    async def acquire(self) -> None:
        """Take one permit, waiting for one to be released here or elsewhere.

        Redis is asked outside the condition's lock (one asker per `PERMIT_POLL`), so a
        slow or unreachable Redis never blocks the releases of this process.
        """
        while True:
            async with self._changed:
                if self.used < self.held:
                    self.used += 1
                    return
                now = time.monotonic()
                ask = now >= self._next_ask
                if ask:
                    self._next_ask = now + PERMIT_POLL
                else:
                    # In this task, not in one `wait_for` would start: on Python 3.11 a drain
                    # cancelled at its end could leave that task waiting forever to take the
                    # condition's lock back, and `asyncio.run` waiting for it.
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(PERMIT_POLL):
                            await self._changed.wait()
            if ask:
                await self._take_more()

    async def release(self) -> None:
        """Return one permit to this process's pool."""
        async with self._changed:
            self.used -= 1
            self._changed.notify()

    async def _take_more(self) -> None:
        """Ask Redis for a chunk of permits; wake the waiters when some were granted."""
        try:
            granted = int(
                await self._grant(
                    keys=self.keys, args=[self.holder, self.chunk, self.cap, self.ttl_ms]
                )
            )
        except RedisError as error:
            log.warning("in-flight pool unavailable (%s); retrying", type(error).__name__)
            await asyncio.sleep(RETRY_ON_REDIS_ERROR)
            return
        if granted:
            async with self._changed:
                self.held += granted
                self._changed.notify(granted)

    async def renew(self) -> None:
        """Extend the lease, giving back permits idle beyond one chunk (Redis errors logged)."""
        async with self._changed:
            spare = max(0, self.held - self.used - self.chunk)
            self.held -= spare
            held = self.held
        try:
            await self._renew(keys=self.keys, args=[self.holder, -spare, held, self.ttl_ms])
        except RedisError as error:
            log.warning("could not renew in-flight permits (%s)", type(error).__name__)

    async def close(self) -> None:
        """Give every permit back."""
        self.held = self.used = 0
        counts, expiry = self.keys
        try:
            async with self.connection.pipeline(transaction=True) as pipe:
                pipe.hdel(counts, self.holder)
                pipe.zrem(expiry, self.holder)
                await pipe.execute()
        except RedisError as error:
            log.warning("could not return in-flight permits (%s)", type(error).__name__)
