"""The asyncio send loop of one drain: claim, check, pace, send, classify, write back.

One drain runs in one RQ work horse: it claims due invitations in batches a second of
sending ahead, sends each on its own task through the shared rate limiter and in-flight
pool (hundreds of requests in flight: a slow provider does not slow the campaign down),
and writes results back in batches. Database work runs on two threads, off the loop.

A request starts only while the claim's lease has `request_timeout + reconcile_grace`
seconds left, the campaign still runs and no stop was asked for; otherwise the claim is
handed back unsent. On stop (SIGTERM) the loop stops claiming, hands back what it has
not sent, lets requests in flight finish within a bounded grace, and writes everything.
Its background loops (result writing, lease renewal, campaign watch, recovery) are an
`Upkeep` it owns.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import time
from collections.abc import Callable
from dataclasses import replace

import redis.asyncio as aioredis
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from app.sending import claims, outcomes
from app.sending.button_contents import ContentResolver
from app.sending.client import ProviderClient, SendOutcome, close_quietly
from app.sending.drain import DrainReport, SenderSetup, StopReason
from app.sending.limiter import InFlightPool, RateLimiter
from app.sending.message import build_params
from app.sending.results import Failed, HandBack, Result, Unknown
from app.sending.settings import MAX_SLICES
from app.sending.stuck import note_error_async
from app.sending.upkeep import Upkeep
from app.sending.writer import DB_RETRY, Database, ResultWriter

log = logging.getLogger(__name__)

# Claimed work a drain keeps ahead of its sends; it claims again once half is left. Small
# batches keep each claim transaction short (~15 ms for 200 at 400/s), and several a
# second are cheap.
CLAIM_AHEAD_SECONDS = 0.5
MAX_CLAIM_BATCH = 250
POLL = 0.2
IDLE_WAIT = 5.0  # keep draining while more work is due within this long
SHUTDOWN_GRACE_MAX = 20.0


class Sender:
    """One drain of due invitations, until idle, the end of its slice, or a stop."""

    def __init__(self, engine: Engine, setup: SenderSetup, stop: asyncio.Event) -> None:
        self.setup = setup
        self.settings = setup.settings
        self.stop = stop
        self.parent_pid = os.getppid()
        self.report = DrainReport()
        self.held: dict[int, claims.Claim] = {}
        self.unstarted = 0  # held claims whose request has not started
        self.tasks: dict[asyncio.Task[None], claims.Claim] = {}
        self.database = Database(engine)
        self.writer = ResultWriter(
            self.database, setup.owner, setup.settings.reconcile_grace, self._note_write_error
        )
        self.policy = outcomes.RetryPolicy(
            setup.settings.max_attempts, setup.settings.backoff_base, setup.settings.backoff_max
        )
        self.changed = asyncio.Event()
        self.upkeep = Upkeep(engine, self.database, setup, self.held, stop.set)

    async def run(
        self, slice_seconds: float, another_slice: Callable[[], bool] | None = None
    ) -> DrainReport:
        """Drain for `slice_seconds` (then finish the requests in flight).

        At the end of a slice, `another_slice()` (run on a thread) may grant one more, e.g.
        when no other job waits for this worker, so a long campaign never pauses between
        slices; at most MAX_SLICES in all.
        """
        self.another_slice = another_slice
        self.slice_seconds = slice_seconds
        settings = self.settings
        sender = self.setup.defaults.sender
        self.provider = ProviderClient(
            self.setup.account_sid,
            self.setup.auth_token,
            self.setup.api_base_url,
            settings.request_timeout,
            settings.max_in_flight,
            self.setup.content_base_url,
        )
        self.contents = ContentResolver(self.database, self.provider)
        self.redis = aioredis.from_url(
            self.setup.redis_url, socket_timeout=5, socket_connect_timeout=5
        )
        self.limiter = RateLimiter(self.redis, sender, settings.rate_per_second)
        self.inflight = InFlightPool(
            self.redis, sender, settings.max_in_flight, settings.lease_seconds
        )
        self.upkeep.start(self.writer, self.inflight, self.provider)
        try:
            self.report.reason = await self._produce()
            await self._wind_down()
        finally:
            await self.upkeep.stop()
            await self.writer.flush_until_written()
            await self.upkeep.complete_campaigns()
            await self.inflight.close()
            await close_quietly(self.provider)
            await self.redis.aclose()
            self.database.close()
        return self.report

    async def _note_write_error(self, error: BaseException) -> None:
        """Keep a failed result write as the engine's last error."""
        await note_error_async(self.redis, "write results", error)

    def _stopping(self) -> bool:
        """Whether a stop was asked for, or the worker process that forked us is gone."""
        if not self.stop.is_set() and os.getppid() != self.parent_pid:
            log.warning("the worker process died; stopping the drain")
            self.stop.set()
        return self.stop.is_set()

    async def _produce(self) -> StopReason:
        """Claim due invitations and start their deliveries until a reason to stop."""
        deadline = time.monotonic() + self.slice_seconds
        slices = 1
        while not self._stopping():
            if time.monotonic() >= deadline:
                if slices >= MAX_SLICES or not await self._may_continue():
                    return StopReason.SLICE
                deadline, slices = deadline + self.slice_seconds, slices + 1
            if await self._claim_some():
                continue
            if not self.held and await self._nothing_due_soon():
                return StopReason.IDLE
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), timeout=POLL)
        return StopReason.STOPPED

    async def _claim_some(self) -> bool:
        """Claim as many as fit a second ahead and the in-flight cap; return whether any did.

        Claims are taken in batches: only once less than half a second of work is waiting.
        """
        ahead = claim_ahead(self.settings.rate_per_second)
        if self.unstarted * 2 > ahead:
            return False
        room = min(
            ahead - self.unstarted, self.settings.max_in_flight - len(self.held), MAX_CLAIM_BATCH
        )
        if room <= 0:
            return False
        taken_at = time.monotonic()
        try:
            batch = await self.database.run(
                functools.partial(claims.claim_due, defaults=self.setup.defaults),
                self.setup.owner,
                self.setup.defaults.sender,
                room,
                self.settings.lease_seconds,
            )
        except SQLAlchemyError as error:
            log.warning("claim failed (%s); retrying", type(error).__name__)
            await note_error_async(self.redis, "claim", error)
            await asyncio.sleep(DB_RETRY)
            return False
        self.report.claimed += len(batch.claims)
        self.report.refused += len(batch.refused)
        self.unstarted += len(batch.claims)
        for claim in batch.claims:
            claim.lease_end = taken_at + self.settings.lease_seconds
            claim.params = build_params(self.setup.defaults, claim.invitee)
            self.held[claim.invitation_id] = claim
            task = asyncio.create_task(self._deliver(claim))
            self.tasks[task] = claim
            task.add_done_callback(self._forget)
        return bool(batch.claims or batch.refused)

    async def _nothing_due_soon(self) -> bool:
        """Whether no work is due within IDLE_WAIT (a failed check says there may be)."""
        try:
            due = await self.database.run(claims.next_due_in)
        except SQLAlchemyError as error:
            log.warning("next-due check failed (%s); retrying", type(error).__name__)
            await note_error_async(self.redis, "next due", error)
            return False
        return due is None or due > IDLE_WAIT

    async def _may_continue(self) -> bool:
        """Whether this drain may run another slice (errors say no)."""
        if self.another_slice is None:
            return False
        try:
            return await asyncio.to_thread(self.another_slice)
        except Exception:  # a failed check only ends the slice
            log.exception("could not decide whether to run another slice")
            return False

    def _forget(self, task: asyncio.Task[None]) -> None:
        """Drop a finished delivery task."""
        self.tasks.pop(task, None)

    def _may_start(self, claim: claims.Claim) -> bool:
        """Whether a request for `claim` may start now."""
        if self._stopping() or not self.upkeep.campaign_running(claim.campaign_id):
            return False
        return time.monotonic() + self.settings.send_window < claim.lease_end

    async def _deliver(self, claim: claims.Claim) -> None:
        """Send one claimed invitation and record what became of it."""
        try:
            result = await self._attempt(claim)
        except asyncio.CancelledError:
            self._record(claim, self._interrupted(claim, "stopped during shutdown"))
            raise
        except Exception as error:  # one bad delivery must not stop the drain
            log.exception("delivery of invitation %s failed", claim.invitation_id)
            result = self._interrupted(claim, f"internal error: {type(error).__name__}")
        self._record(claim, result)

    async def _attempt(self, claim: claims.Claim) -> Result:
        """Wait for a slot and a permit, send, and interpret the answer."""
        back = HandBack(claim.invitation_id, claim.attempt_id)
        if not self._may_start(claim):
            return back
        await self._with_content(claim)
        await self.limiter.wait_turn()
        await self.inflight.acquire()
        try:
            if not self._may_start(claim):
                return back
            claim.started = True
            self.unstarted -= 1
            outcome = await self.provider.send(claim.params)
            verdict = outcomes.interpret(claim, outcome, self.policy)
            if isinstance(verdict.result, Failed) and "ContentSid" in claim.params:
                outcome = await self._as_text(claim, outcome)
                verdict = outcomes.interpret(claim, outcome, self.policy)
        finally:
            await self.inflight.release()
        if verdict.pacing is outcomes.Pacing.THROTTLED:
            await self.limiter.throttled(verdict.retry_after)
        elif verdict.pacing is outcomes.Pacing.SLOWED:
            await self.limiter.slowed_down()
        return verdict.result

    async def _with_content(self, claim: claims.Claim) -> None:
        """A reply with buttons: its content's SID (created once), else its text question."""
        invitee = claim.invitee
        if invitee.content_key is None or invitee.content_sid:
            return
        if not await self.contents.prepare(claim):
            claim.invitee = replace(invitee, content_key=None)
        claim.params = build_params(self.setup.defaults, claim.invitee)

    async def _as_text(self, claim: claims.Claim, refused: SendOutcome) -> SendOutcome:
        """Twilio refused a reply's buttons for good (it created nothing): send its text
        question instead, once, under the same attempt."""
        await self.contents.refused(claim, refused.code, refused.message)
        claim.invitee = replace(claim.invitee, content_key=None, content_sid=None)
        claim.params = build_params(self.setup.defaults, claim.invitee)
        log.warning(
            "invitation %s: buttons refused (%s); sending the text question",
            claim.invitation_id,
            refused.code,
        )
        await self.limiter.wait_turn()
        return await self.provider.send(claim.params)

    def _interrupted(self, claim: claims.Claim, message: str) -> Result:
        """What an interrupted delivery leaves: unknown once the request started."""
        if claim.started:
            return Unknown(claim.invitation_id, claim.attempt_id, message)
        return HandBack(claim.invitation_id, claim.attempt_id)

    def _record(self, claim: claims.Claim, result: Result) -> None:
        """Queue a result for the next batch write and forget the claim."""
        if self.held.pop(claim.invitation_id, None) is None:
            return
        if not claim.started:
            self.unstarted -= 1
        self.writer.add(result)
        self.report.count(result)
        self.changed.set()

    async def _wind_down(self) -> None:
        """Let deliveries end: on stop, hand back unsent claims and bound the wait."""
        if not self.tasks:
            return
        grace = self.settings.request_timeout + self.settings.send_window
        if self.report.reason is StopReason.STOPPED:
            for task, claim in list(self.tasks.items()):
                if not claim.started:
                    task.cancel()
            grace = min(SHUTDOWN_GRACE_MAX, self.settings.request_timeout + 2)
        live = [task for task in self.tasks if not task.done()]
        if live:
            _, late = await asyncio.wait(live, timeout=grace)
            for task in late:
                task.cancel()
        await asyncio.gather(*list(self.tasks), return_exceptions=True)
        # A task cancelled before it ever ran recorded nothing: settle its claim here.
        for claim in list(self.held.values()):
            self._record(claim, self._interrupted(claim, "stopped during shutdown"))


def claim_ahead(rate_per_second: float) -> int:
    """How many claimed invitations a drain keeps ahead of its sends at this rate."""
    return min(MAX_CLAIM_BATCH, max(1, int(rate_per_second * CLAIM_AHEAD_SECONDS)))
