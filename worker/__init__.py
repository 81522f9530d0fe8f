"""The background worker process: RQ on the service's queues, with its scheduler and sweeper."""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import socket
import sys
import time
from typing import Any

import redis
from flask import Flask
from rq import Queue, Worker
from rq.exceptions import StopRequested
from rq.executions import Execution
from rq.job import Job

log = logging.getLogger("worker")

# Beat often enough for /ready to notice a dead worker within a minute (RQ's default
# heartbeat for an idle worker is every 405 s).
WORKER_TTL = 35
JOB_MONITORING_INTERVAL = 10
# Requeue jobs of workers killed with -9 within a minute, not RQ's default ten.
MAINTENANCE_INTERVAL = 60
# prctl(2): deliver a signal to this process when its parent dies.
PR_SET_PDEATHSIG = 1


class ServiceWorker(Worker):
    """RQ's worker, plus the sending sweeper on a timer of its own and a graceful drain stop.

    The sweeper runs in this (parent) process, between jobs and while a job runs, at start
    and every `SEND_SWEEP_INTERVAL` seconds: it needs nothing from Redis, so a flushed Redis
    loses no work. SIGTERM is forwarded to the work horse, where a running drain stops
    claiming, hands back what it has not sent and lets requests in flight finish; other jobs
    ignore it (horses ignore SIGTERM unless a job opts in) and finish as RQ's warm shutdown
    intends.
    """

    stop_signalled = False
    app: Flask | None = None
    sweep_interval = 10.0
    _last_sweep = float("-inf")

    def request_stop(self, signum: int, frame: Any) -> None:
        """Record the request, let RQ finish the current job, and tell the horse."""
        self.stop_signalled = True
        try:
            super().request_stop(signum, frame)
        finally:
            self.forward_stop_to_horse()

    def forward_stop_to_horse(self) -> None:
        """Send SIGTERM to the work horse, if one runs."""
        pid = self.horse_pid
        if not pid:
            return
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            log.debug("work horse %s already gone", pid)

    def setup_work_horse_signals(self) -> None:
        """In the horse: ignore SIGTERM unless the job installs its own handler."""
        super().setup_work_horse_signals()
        signal.signal(signal.SIGTERM, signal.SIG_IGN)

    @property
    def dequeue_timeout(self) -> int:
        """Wake up from an idle wait at least once per sweep interval."""
        return max(1, min(int(self.sweep_interval), WORKER_TTL - 15))

    @property
    def should_run_maintenance_tasks(self) -> bool:
        """Whether RQ's registry cleaning or the sweeper is due."""
        return self.sweep_due() or bool(super().should_run_maintenance_tasks)

    def run_maintenance_tasks(self) -> None:
        """Clean RQ's registries when due, then sweep."""
        if super().should_run_maintenance_tasks:
            super().run_maintenance_tasks()
        self.run_periodic_tasks()

    def maintain_heartbeats(self, job: Job, execution: Execution) -> None:
        """While a job runs: beat, repeat a pending stop to the horse, sweep when due."""
        super().maintain_heartbeats(job, execution)
        if self.stop_signalled:
            self.forward_stop_to_horse()
        if self.sweep_due():
            self.run_periodic_tasks()

    def sweep_due(self) -> bool:
        """Whether a sweep interval has passed since the last sweep."""
        return time.monotonic() - self._last_sweep >= self.sweep_interval

    def run_periodic_tasks(self) -> None:
        """Sweep sending work and replay spooled webhooks; log failures, never raise them."""
        self._last_sweep = time.monotonic()
        if self.app is None:
            return
        from app.sending.stuck import note_error
        from app.tasks.sending import run_sweep

        try:
            report = run_sweep(self.app)
            log.debug("sweep: %s", report)
        except StopRequested:
            raise
        except Exception as error:  # the sweeper must never take the worker down
            log.exception("sweep failed")
            note_error(self.connection, "sweep", error)
        replay_spooled_webhooks(self.app)


def replay_spooled_webhooks(app: Flask) -> None:
    """Apply webhooks spooled in Redis while PostgreSQL was down (see app.tasks.spool)."""
    from app.tasks.spool import replay_spool

    try:
        replay_spool(app)
    except StopRequested:
        raise
    except Exception:  # a failed replay is retried at the next sweep
        log.exception("spool replay failed")


def die_with_parent() -> None:
    """Have this forked child (work horse, scheduler) killed when the worker dies.

    A worker killed with -9 (or by the OOM killer) would otherwise leave RQ's scheduler
    running with its locks held, and a work horse sending on its own.
    """
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the worker died before the request took effect
        os._exit(1)


def dispose_engines_after_fork(app: Flask) -> None:
    """Drop inherited pooled connections in RQ's forked work horses.

    Sharing a libpq socket between parent and child corrupts both ("SSL error:
    decryption failed or bad record mac"); `close=False` leaves the parent's intact.
    """
    from app.extensions import db

    with app.app_context():
        engines = list(db.engines.values())

    def dispose() -> None:
        for engine in engines:
            engine.dispose(close=False)

    os.register_at_fork(after_in_child=dispose)


def build_worker(app: Flask, connection: redis.Redis) -> ServiceWorker:
    """Return an RQ worker on the configured queues, named `host.pid-namespace.pid`.

    The name lets `flask workers` (and /ready) on the same host and pid namespace see at
    once that the worker's process is gone (app.health.jobs.process_gone).
    """
    from app.sending.owners import pid_namespace

    settings = app.config["SETTINGS"]
    queues = [Queue(name, connection=connection) for name in settings.queues]
    worker = ServiceWorker(
        queues,
        connection=connection,
        name=f"{socket.gethostname()}.{pid_namespace()}.{os.getpid()}",
        worker_ttl=WORKER_TTL,
        job_monitoring_interval=JOB_MONITORING_INTERVAL,
        maintenance_interval=MAINTENANCE_INTERVAL,
    )
    worker.app = app
    worker.sweep_interval = app.config["SENDING"].sweep_interval
    return worker


def run(burst: bool = False, **work_options: Any) -> int:
    """Process jobs until SIGTERM (finishing the current job); return the exit status.

    RQ's loop also returns after an unexpected Redis error: exit non-zero then, so that a
    supervisor which restarts only failed processes brings the worker back.
    """
    from app import create_app

    app = create_app({"APP_PROCESS": "worker"})
    settings = app.config["SETTINGS"]
    connection = redis.Redis.from_url(
        settings.redis_url, socket_timeout=30, socket_connect_timeout=5, health_check_interval=30
    )
    dispose_engines_after_fork(app)
    os.register_at_fork(after_in_child=die_with_parent)
    worker = build_worker(app, connection)
    log.info("worker %s listening on %s", worker.name, ", ".join(settings.queues))
    with app.app_context():
        worker.work(burst=burst, with_scheduler=True, **work_options)
    if burst or worker.stop_signalled:
        return 0
    log.error("worker %s stopped without a stop request; exiting 1 to be restarted", worker.name)
    return 1
