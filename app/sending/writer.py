"""Database work of a drain, off the event loop: a small thread pool and the result writer."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from app.sending.results import Result, write_results

log = logging.getLogger(__name__)

T = TypeVar("T")
FLUSH_INTERVAL = 0.2
DB_RETRY = 1.0
DB_THREADS = 2


class Database:
    """Run short transactions on a dedicated thread pool, so the loop never blocks on them."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.executor = ThreadPoolExecutor(max_workers=DB_THREADS, thread_name_prefix="sender-db")

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """Run `function(connection, *args)` in its own transaction."""

        def work() -> T:
            with self.engine.begin() as connection:
                return function(connection, *args)

        return await asyncio.get_running_loop().run_in_executor(self.executor, work)

    def close(self) -> None:
        """Wait for running transactions, then stop the threads."""
        self.executor.shutdown(wait=True)


class ResultWriter:
    """Gather results and write them in one transaction every FLUSH_INTERVAL.

    A failed write keeps the results for the next try; results never written (the process
    dies, PostgreSQL stays down) leave attempts in flight, which reconciliation settles.
    """

    def __init__(
        self,
        database: Database,
        owner: str,
        unknown_hold: float,
        on_error: Callable[[BaseException], Awaitable[None]] | None = None,
    ) -> None:
        self.database = database
        self.owner = owner
        self.unknown_hold = unknown_hold
        self.on_error = on_error
        self.pending: list[Result] = []
        self.lock = asyncio.Lock()

    def add(self, result: Result) -> None:
        """Queue one result for the next write."""
        self.pending.append(result)

    async def flush(self) -> bool:
        """Write what is queued; return whether it worked (or there was nothing)."""
        async with self.lock:
            if not self.pending:
                return True
            batch, self.pending = self.pending, []
            try:
                await self.database.run(write_results, self.owner, batch, self.unknown_hold)
            except asyncio.CancelledError:
                # The write may still finish on its thread; writing a batch twice is harmless
                # (every statement is guarded by the state it moves from), losing it is not.
                self.pending[:0] = batch
                raise
            except SQLAlchemyError as error:
                log.warning("writing %s results failed (%s)", len(batch), type(error).__name__)
                self.pending[:0] = batch
                if self.on_error is not None:
                    await self.on_error(error)
                return False
            return True

    async def run(self, closing: asyncio.Event) -> None:
        """Write every FLUSH_INTERVAL until `closing` is set (the last write is the caller's)."""
        while not closing.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(closing.wait(), timeout=FLUSH_INTERVAL)
            if not await self.flush() and not closing.is_set():
                await asyncio.sleep(DB_RETRY)

    async def flush_until_written(self, attempts: int = 5) -> None:
        """The last writes of a drain, retried a few times."""
        for _ in range(attempts):
            if await self.flush():
                return
            await asyncio.sleep(DB_RETRY)
        log.error("%s results not written; reconciliation will settle them", len(self.pending))
