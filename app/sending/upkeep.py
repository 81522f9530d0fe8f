"""The background loops of a drain: result writing, lease renewal, campaign watch, recovery.

A `Sender` owns one `Upkeep` and hands it what the loops need: the claims it holds (read
here; their leases extended), its database threads, its result writer, in-flight pool and
provider client, and how to end the drain. The upkeep owns the campaign states it watches
and the `closing` event: the loops end together when the drain closes, each finishing its
current pass first, and one that ends before that ends the drain.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from app.sending import claims, lifecycle
from app.sending.client import ProviderClient
from app.sending.drain import SenderSetup
from app.sending.limiter import InFlightPool
from app.sending.reconcile import reconcile_stale
from app.sending.writer import Database, ResultWriter

log = logging.getLogger(__name__)

WATCH_INTERVAL = 0.5
RECONCILE_LIMIT = 200
# Recovery runs at least this often in a drain, so unanswered requests settle quickly.
RECOVER_INTERVAL = 2.0


class Upkeep:
    """Result writing, lease renewal, campaign watch and recovery beside one drain's sends."""

    def __init__(
        self,
        engine: Engine,
        database: Database,
        setup: SenderSetup,
        held: Mapping[int, claims.Claim],
        end_drain: Callable[[], None],
    ) -> None:
        self.engine = engine
        self.database = database
        self.setup = setup
        self.settings = setup.settings
        self.held = held
        self.end_drain = end_drain
        self.closing = asyncio.Event()
        self.campaign_state: dict[int, str] = {}
        self.tasks: list[asyncio.Task[None]] = []

    def start(self, writer: ResultWriter, inflight: InFlightPool, provider: ProviderClient) -> None:
        """Start the loops on the running event loop."""
        loops = {
            "result writer": writer.run(self.closing),
            "lease renewal": self._renew_loop(inflight),
            "campaign watch": self._watch_loop(),
            "recovery": self._recover_loop(provider),
        }
        for name, loop in loops.items():
            task = asyncio.create_task(loop, name=name)
            task.add_done_callback(self._ended)
            self.tasks.append(task)

    def campaign_running(self, campaign_id: int | None) -> bool:
        """Whether the campaign was running at the last watch (no campaign: yes)."""
        return campaign_id is None or self.campaign_state.get(campaign_id, "running") == "running"

    async def stop(self) -> None:
        """Let the loops finish their current pass (a write, a reconciliation), then end them."""
        self.closing.set()
        if not self.tasks:
            return
        _, late = await asyncio.wait(self.tasks, timeout=self.settings.request_timeout + 5)
        for task in late:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)

    async def complete_campaigns(self) -> None:
        """Mark campaigns with nothing left as completed."""
        try:
            done = await self.database.run(lifecycle.complete_finished)
        except SQLAlchemyError as error:
            log.warning("completing campaigns failed (%s)", type(error).__name__)
            return
        if done:
            log.info("campaigns completed: %s", done)

    def _ended(self, task: asyncio.Task[None]) -> None:
        """End the drain, logged, when a loop ends before the drain closes."""
        # Without its lease renewal or result writer a drain must not go on claiming: it
        # stops as on SIGTERM (hands back what it has not sent), and the sweep asks for more.
        if task.cancelled() or self.closing.is_set():
            return
        error = task.exception()
        log.error(
            "drain loop %r ended early; ending the slice",
            task.get_name(),
            exc_info=(type(error), error, error.__traceback__) if error else None,
        )
        self.end_drain()

    async def _closing_after(self, seconds: float) -> bool:
        """Wait `seconds`, or less if the drain is closing; return whether it is."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.closing.wait(), timeout=seconds)
        return self.closing.is_set()

    async def _renew_loop(self, inflight: InFlightPool) -> None:
        """Extend the leases of held claims, the in-flight permits and the drainer entry."""
        while not await self._closing_after(self.settings.renew_interval):
            await inflight.renew()
            renewed_at = time.monotonic()
            try:
                kept = await self.database.run(
                    claims.renew_leases,
                    self.setup.owner,
                    list(self.held),
                    self.settings.lease_seconds,
                )
            except SQLAlchemyError as error:
                log.warning("lease renewal failed (%s)", type(error).__name__)
                continue
            for invitation_id in kept:
                claim = self.held.get(invitation_id)
                if claim is not None:
                    claim.lease_end = renewed_at + self.settings.lease_seconds

    async def _watch_loop(self) -> None:
        """Follow the state of the campaigns of held claims (pause and cancel)."""
        while not await self._closing_after(WATCH_INTERVAL):
            ids = sorted({c.campaign_id for c in self.held.values() if c.campaign_id is not None})
            try:
                self.campaign_state = await self.database.run(claims.campaign_states, ids)
            except SQLAlchemyError as error:
                log.warning("campaign state check failed (%s)", type(error).__name__)

    async def _recover_loop(self, provider: ProviderClient) -> None:
        """Reconcile expired claims and complete finished campaigns, every sweep interval."""
        settings = self.settings
        while not self.closing.is_set():
            try:
                await reconcile_stale(
                    self.engine,
                    provider,
                    owner=f"{self.setup.owner}:reconcile",
                    lease=settings.lease_seconds,
                    skew=settings.reconcile_skew,
                    defaults=self.setup.defaults,
                    limit=RECONCILE_LIMIT,
                )
                await self.complete_campaigns()
            except SQLAlchemyError as error:
                log.warning("recovery pass failed (%s)", type(error).__name__)
            except Exception:  # the sweeper of the worker process recovers too
                log.exception("recovery pass failed")
            await self._closing_after(min(settings.sweep_interval, RECOVER_INTERVAL))
