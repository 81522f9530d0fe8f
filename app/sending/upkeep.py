"""The background loops of a drain: lease renewal, campaign watch, recovery, and their stop.

`Sender` inherits them; they share its state (held claims, database threads, provider
client) and end together when the drain closes, each finishing its current pass first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from app.sending import claims
from app.sending.client import ProviderClient
from app.sending.drain import SenderSetup
from app.sending.limiter import InFlightPool
from app.sending.reconcile import reconcile_stale
from app.sending.settings import SendingSettings
from app.sending.writer import Database

log = logging.getLogger(__name__)

WATCH_INTERVAL = 0.5
RECONCILE_LIMIT = 200
# Recovery runs at least this often in a drain, so unanswered requests settle quickly.
RECOVER_INTERVAL = 2.0


class Upkeep:
    """Lease renewal, campaign state watch and recovery, alongside a drain's deliveries."""

    engine: Engine
    setup: SenderSetup
    settings: SendingSettings
    database: Database
    held: dict[int, claims.Claim]
    campaign_state: dict[int, str]
    inflight: InFlightPool
    provider: ProviderClient
    closing: asyncio.Event

    async def _stop_background(self, background: list[asyncio.Task[None]]) -> None:
        """Let the background loops finish their current pass (a write, a reconciliation)."""
        self.closing.set()
        _, late = await asyncio.wait(background, timeout=self.settings.request_timeout + 5)
        for task in late:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)

    async def _closing_after(self, seconds: float) -> bool:
        """Wait `seconds`, or less if the drain is closing; return whether it is."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.closing.wait(), timeout=seconds)
        return self.closing.is_set()

    async def _complete_campaigns(self) -> None:
        """Mark campaigns with nothing left as completed."""
        try:
            done = await self.database.run(claims.complete_finished_campaigns)
        except SQLAlchemyError as error:
            log.warning("completing campaigns failed (%s)", type(error).__name__)
            return
        if done:
            log.info("campaigns completed: %s", done)

    async def _renew_loop(self) -> None:
        """Extend the leases of held claims, the in-flight permits and the drainer entry."""
        while not await self._closing_after(self.settings.renew_interval):
            await self.inflight.renew()
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

    async def _recover_loop(self) -> None:
        """Reconcile expired claims and complete finished campaigns, every sweep interval."""
        settings = self.settings
        while not self.closing.is_set():
            try:
                await reconcile_stale(
                    self.engine,
                    self.provider,
                    owner=f"{self.setup.owner}:reconcile",
                    lease=settings.lease_seconds,
                    skew=settings.reconcile_skew,
                    defaults=self.setup.defaults,
                    limit=RECONCILE_LIMIT,
                )
                await self._complete_campaigns()
            except SQLAlchemyError as error:
                log.warning("recovery pass failed (%s)", type(error).__name__)
            except Exception:  # the sweeper of the worker process recovers too
                log.exception("recovery pass failed")
            await self._closing_after(min(settings.sweep_interval, RECOVER_INTERVAL))
