"""The background worker process: RQ on the service's queues, with its scheduler."""

from __future__ import annotations

import logging
import os
import socket
from typing import Any

import redis
from flask import Flask
from rq import Queue, Worker

log = logging.getLogger("worker")

# Beat often enough for /ready to notice a dead worker within a minute (RQ's default
# heartbeat for an idle worker is every 405 s).
WORKER_TTL = 35
JOB_MONITORING_INTERVAL = 10
# Requeue jobs of workers killed with -9 within a minute, not RQ's default ten.
MAINTENANCE_INTERVAL = 60


class ServiceWorker(Worker):
    """RQ's worker, remembering whether a signal asked it to stop."""

    stop_signalled = False

    def request_stop(self, signum: int, frame: Any) -> None:
        """Record the request, then let RQ finish the current job and stop."""
        self.stop_signalled = True
        super().request_stop(signum, frame)


def dispose_engines_after_fork(app: Flask) -> None:
    """Drop inherited pooled connections in RQ's forked work horses.

    Sharing a libpq socket between parent and child corrupts both ("SSL error:
    decryption failed or bad record mac"); `close=False` leaves the parent's intact.
    """
    from app.extensions import db

    with app.app_context():
        engine = db.engine

    os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))


def build_worker(app: Flask, connection: redis.Redis) -> ServiceWorker:
    """Return an RQ worker on the configured queues, named after this host and pid."""
    settings = app.config["SETTINGS"]
    queues = [Queue(name, connection=connection) for name in settings.queues]
    return ServiceWorker(
        queues,
        connection=connection,
        name=f"{socket.gethostname()}.{os.getpid()}",
        worker_ttl=WORKER_TTL,
        job_monitoring_interval=JOB_MONITORING_INTERVAL,
        maintenance_interval=MAINTENANCE_INTERVAL,
    )


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
    worker = build_worker(app, connection)
    log.info("worker %s listening on %s", worker.name, ", ".join(settings.queues))
    with app.app_context():
        worker.work(burst=burst, with_scheduler=True, **work_options)
    if burst or worker.stop_signalled:
        return 0
    log.error("worker %s stopped without a stop request; exiting 1 to be restarted", worker.name)
    return 1
