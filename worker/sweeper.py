"""The sweeper: a process of its own beside the RQ worker, watched with a deadline.

A sweep reconciles unknown outcomes with the provider, completes campaigns, compacts the
tallies and replays spooled webhooks. During a provider outage one pass can take minutes,
so it never runs inside RQ's loop, whose heartbeats would stop meanwhile and get the
running job reaped as abandoned. The worker forks it at start and checks it between jobs
and at each heartbeat: a dead sweeper is started again, and one whose pass outlives
`deadline` is killed and started again (every step of a pass is safe to cut: claims taken
for reconciliation simply expire and are taken again).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import time
from multiprocessing.sharedctypes import Synchronized
from typing import Any

import redis
from flask import Flask
from sqlalchemy.exc import OperationalError

log = logging.getLogger("worker.sweeper")

IDLE = 0.0
# A dependency away for a while: one line per pass, not a traceback.
UNAVAILABLE = (redis.ConnectionError, redis.TimeoutError, OperationalError)


class Sweeper:
    """Start, watch and stop the sweeper process."""

    def __init__(self, app: Flask, interval: float, deadline: float) -> None:
        self.app = app
        self.interval = interval
        self.deadline = deadline
        self.context = multiprocessing.get_context("fork")
        # When the pass in progress started (time.time()), or IDLE between passes.
        self.pass_started: Synchronized[float] = self.context.Value("d", IDLE, lock=False)
        self.process: Any = None
        self.restarts = 0

    def start(self) -> None:
        """Fork the sweeper process."""
        self.pass_started.value = IDLE
        self.process = self.context.Process(
            target=sweep_forever,
            args=(self.app, self.interval, self.pass_started),
            name="sweeper",
            daemon=True,
        )
        self.process.start()
        log.info("sweeper started (pid %s)", self.process.pid)

    def check(self) -> None:
        """Start the sweeper again if it died, or if its current pass is over the deadline."""
        if self.process is None:
            return
        started = self.pass_started.value
        if not self.process.is_alive():
            log.error("sweeper exited (code %s); starting it again", self.process.exitcode)
        elif started != IDLE and time.time() - started > self.deadline:
            log.error(
                "sweep pass running for %.0f s (deadline %.0f s); killing it and starting again",
                time.time() - started,
                self.deadline,
            )
            self.process.kill()
        else:
            return
        self.process.join(timeout=5)
        self.restarts += 1
        self.start()

    def stop(self) -> None:
        """Stop the sweeper (SIGTERM ends it between two steps; SIGKILL after 10 s)."""
        if self.process is None or not self.process.is_alive():
            return
        self.process.terminate()
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=5)


def sweep_forever(app: Flask, interval: float, pass_started: Synchronized[float]) -> None:
    """The sweeper process: a pass every `interval` seconds until SIGTERM."""
    stopping = False

    def request_stop(signum: int, frame: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the worker decides on Ctrl-C
    log.debug("sweeper %s running every %s s", os.getpid(), interval)
    with app.app_context():
        while not stopping:
            pass_started.value = time.time()
            sweep_once(app)
            pass_started.value = IDLE
            next_pass = time.monotonic() + interval
            while not stopping and time.monotonic() < next_pass:
                time.sleep(min(0.5, interval))


def sweep_once(app: Flask) -> None:
    """One pass: sweep sending work, then replay spooled webhooks; log failures, never raise."""
    from app.extensions import redis_store
    from app.sending.stuck import note_error
    from app.tasks.sending import run_sweep
    from app.tasks.spool import replay_spool

    try:
        report = run_sweep(app)
        log.debug("sweep: %s", report)
    except UNAVAILABLE as error:
        log.warning("sweep incomplete, %s unavailable: %s", service_name(error), error)
        note_error(redis_store.connection, "sweep", error)
    except Exception as error:  # a failed pass is retried at the next one
        log.exception("sweep failed")
        note_error(redis_store.connection, "sweep", error)
    try:
        replay_spool(app)
    except UNAVAILABLE as error:
        log.warning("spool replay postponed, %s unavailable: %s", service_name(error), error)
    except Exception:  # a failed replay is retried at the next pass
        log.exception("spool replay failed")


def service_name(error: BaseException) -> str:
    """Which dependency an UNAVAILABLE error is about."""
    return "Redis" if isinstance(error, redis.RedisError) else "PostgreSQL"
