"""The background worker process: RQ on the service's queues, with its scheduler and sweeper."""

from __future__ import annotations

import ctypes
import importlib
import logging
import os
import signal
import socket
import sys
import time
from typing import Any

import redis
from flask import Flask
from redis.client import Pipeline
from rq import Queue, Worker, worker_registration
from rq.executions import Execution
from rq.job import Job

from app.health.presence import mark_seen
from app.sending.settings import SendingSettings
from worker.sweeper import Sweeper, sweep_once

log = logging.getLogger("worker")

# Beat often enough for /ready to notice a dead worker within a minute (RQ's default
# heartbeat for an idle worker is every 405 s).
WORKER_TTL = 35
JOB_MONITORING_INTERVAL = 10
# Requeue jobs of workers killed with -9 within a minute, not RQ's default ten.
MAINTENANCE_INTERVAL = 60
# prctl(2): deliver a signal to this process when its parent dies.
PR_SET_PDEATHSIG = 1
# How long the thread listening on RQ's command channel waits for a message at a time.
COMMAND_POLL = 1.0


class ServiceWorker(Worker):
    """RQ's worker, riding out Redis outages, with the sweeper beside it and a graceful stop.

    The sweeper runs in a process of its own (`worker.sweeper`), checked between jobs and at
    every heartbeat. A heartbeat that cannot reach Redis is logged and skipped: the job goes
    on, and the next beat catches up. SIGTERM is forwarded to the work horse, where a running
    drain stops claiming, hands back what it has not sent and lets requests in flight finish;
    other jobs ignore it (horses ignore SIGTERM unless a job opts in) and finish as RQ's warm
    shutdown intends.
    """

    stop_signalled = False
    early_stop: StopFlag | None = None  # SIGTERM caught before RQ's handlers were installed
    sweeper: Sweeper | None = None
    sweep_interval = 10.0
    _last_check = float("-inf")
    _skipped_beats = 0

    def request_stop(self, signum: int, frame: Any) -> None:
        """Record the request, let RQ finish the current job, and tell the horse."""
        self.stop_signalled = True
        try:
            super().request_stop(signum, frame)
        finally:
            self.forward_stop_to_horse()

    def _install_signal_handlers(self) -> None:
        """RQ's SIGTERM/SIGINT handlers, then honour a stop asked for before they existed."""
        super()._install_signal_handlers()
        if self.early_stop is not None and self.early_stop.requested:
            # RQ's loop stops at its first turn and tears down (scheduler, registration);
            # its `request_stop` would raise here, outside the loop, and skip that.
            self.stop_signalled = True
            self._stop_requested = True

    def heartbeat(self, timeout: int | None = None, pipeline: Pipeline | None = None) -> None:
        """RQ's heartbeat, and the moment `/ready`'s restart grace counts from."""
        super().heartbeat(timeout, pipeline)
        mark_seen(pipeline if pipeline is not None else self.connection)

    def register_death(self) -> None:
        """Record that a worker was alive until now, then leave RQ's registry.

        Without the record, a clean stop would make `/ready` fail at once: during a
        restart no worker is registered until the next one starts.
        """
        mark_seen(self.connection)
        super().register_death()

    def forward_stop_to_horse(self) -> None:
        """Send SIGTERM to the work horse, if one runs."""
        pid = self.horse_pid
        if not pid:
            return
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            log.debug("work horse %s already gone", pid)

    def subscribe(self) -> None:
        """RQ's subscription to its command channel, its listening thread waking every second.

        RQ lets that thread wait 60 s at a time, and redis-py 8's `PubSubWorkerThread.stop()`
        joins it without a timeout: when the thread had already read the reply to RQ's
        UNSUBSCRIBE at a stop, it sat in that wait and the stop took up to a minute, past
        PM2's kill_timeout (deploy/check.py saw it).
        """
        self.log.info("Worker %s: subscribing to channel %s", self.name, self.pubsub_channel_name)
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(  # type: ignore[assignment]  # RQ: None
            sleep_time=COMMAND_POLL, daemon=True, exception_handler=self._pubsub_exception_handler
        )

    def setup_work_horse_signals(self) -> None:
        """In the horse: ignore SIGTERM unless the job installs its own handler."""
        super().setup_work_horse_signals()
        signal.signal(signal.SIGTERM, signal.SIG_IGN)

    @property
    def dequeue_timeout(self) -> int:
        """Wake up from an idle wait at least once per sweep interval, to watch the sweeper."""
        return max(1, min(int(self.sweep_interval), WORKER_TTL - 15))

    @property
    def should_run_maintenance_tasks(self) -> bool:
        """Whether RQ's registry cleaning or a check of the sweeper is due."""
        return self.sweeper_check_due() or bool(super().should_run_maintenance_tasks)

    def run_maintenance_tasks(self) -> None:
        """Clean RQ's registries when due, register again if Redis lost us, check the sweeper."""
        if super().should_run_maintenance_tasks:
            super().run_maintenance_tasks()
        self.ensure_registered()
        self.check_sweeper()

    def ensure_registered(self) -> None:
        """Register again when Redis forgot this worker (restarted empty, flushed).

        RQ's loop rides out the outage by itself, but its heartbeats only extend keys that
        exist: without this, a worker would go on working unseen by `/ready` and `flask
        workers`.
        """
        try:
            if self.connection.sismember(self.redis_workers_keys, self.key):
                return
            with self.connection.pipeline() as pipeline:
                pipeline.hset(self.key, mapping=self.serialize())
                worker_registration.register(self, pipeline)
                pipeline.expire(self.key, self.worker_ttl + 60)
                pipeline.execute()
        except (redis.ConnectionError, redis.TimeoutError) as error:
            log.warning("could not check the worker's registration: %s", error)
            return
        log.info("worker %s registered again: Redis had lost its registration", self.name)

    def maintain_heartbeats(self, job: Job, execution: Execution) -> None:
        """While a job runs: beat (unless Redis is away), repeat a stop, watch the sweeper."""
        try:
            super().maintain_heartbeats(job, execution)
        except (redis.ConnectionError, redis.TimeoutError) as error:
            self._skipped_beats += 1
            log.warning("heartbeat skipped, Redis unreachable (%s); job %s goes on", error, job.id)
        else:
            if self._skipped_beats:
                log.info("Redis is back after %d skipped heartbeats", self._skipped_beats)
                self.ensure_registered()
            self._skipped_beats = 0
        if self.stop_signalled:
            self.forward_stop_to_horse()
        self.check_sweeper()

    def sweeper_check_due(self) -> bool:
        """Whether a sweep interval has passed since the sweeper was last checked."""
        return time.monotonic() - self._last_check >= self.sweep_interval

    def check_sweeper(self) -> None:
        """Start the sweeper again if it died or overran its deadline."""
        self._last_check = time.monotonic()
        if self.sweeper is not None:
            self.sweeper.check()


# The process that forks, noted in it just before each fork (the child reads its copy).
_forking_pid = 0


def note_forking_process() -> None:
    """Note, in the process about to fork, who the child's parent will be."""
    global _forking_pid  # noqa: PLW0603 (each process its own: the child reads its copy)
    _forking_pid = os.getpid()


def die_with_parent() -> None:
    """Have this forked child (work horse, scheduler) killed when the worker dies.

    A worker killed with -9 (or by the OOM killer) would otherwise leave RQ's scheduler
    running with its locks held, and a work horse sending on its own. The parent is the one
    noted before the fork: a worker that died before this child first ran has already
    handed it to init, and asking `getppid()` here would take init for the parent.
    """
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != _forking_pid:  # the worker died before the request took effect
        os._exit(1)


# What the work horses and the sweeper run, imported here before RQ forks a horse per job
# and the worker forks its sweeper: they inherit the modules instead of importing the engine
# (twilio's client, aiohttp) again, a third of a second of CPU on an idle machine and seconds
# on a busy one, paid before a slice's first send.
FORKED_MODULES = ("app.tasks.sending", "app.tasks.spool", "app.tasks.mail", "app.sending.stuck")


def preload_forked_modules() -> None:
    """Import what the forked processes run, once, in the worker itself."""
    for name in FORKED_MODULES:
        importlib.import_module(name)


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


def build_worker(app: Flask, connection: redis.Redis, sweeper: Sweeper | None) -> ServiceWorker:
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
    worker.sweeper = sweeper
    worker.sweep_interval = app.config["SENDING"].sweep_interval
    return worker


def run(burst: bool = False, **work_options: Any) -> int:
    """Process jobs until SIGTERM (finishing the current job); return the exit status.

    Redis unreachable at start or lost on the way (a restart, a failover, a flush) does not
    end the process: RQ's loop gives up on such errors, so the worker waits for Redis to
    answer again and starts a new loop. Meanwhile the sweeper goes on reconciling and
    completing campaigns from PostgreSQL. A burst run (`--burst`) sweeps once, in-process.
    """
    from app import create_app

    stop = StopFlag()
    stop.install()  # until RQ installs its own handlers (and after its loop ends)
    os.register_at_fork(after_in_child=StopFlag.uninstall)  # children have their own
    app = create_app({"APP_PROCESS": "worker"})
    settings = app.config["SETTINGS"]
    connection = redis.Redis.from_url(
        settings.redis_url, socket_timeout=30, socket_connect_timeout=5, health_check_interval=30
    )
    dispose_engines_after_fork(app)
    os.register_at_fork(before=note_forking_process, after_in_child=die_with_parent)
    preload_forked_modules()
    if burst:
        with app.app_context():
            sweep_once(app)
            build_worker(app, connection, None).work(burst=True, **work_options)
        return 0
    sending = app.config["SENDING"]
    sweeper = Sweeper(app, sending.sweep_interval, sweep_deadline(sending))
    sweeper.start()
    try:
        while not stop.requested:
            try:
                worker = build_worker(app, connection, sweeper)  # RQ asks Redis already
            except (redis.ConnectionError, redis.TimeoutError) as error:
                log.error("Redis unreachable at start: %s", error)
                wait_for_redis(connection, stop, sweeper)
                continue
            worker.early_stop = stop
            log.info("worker %s listening on %s", worker.name, ", ".join(settings.queues))
            try:
                with app.app_context():
                    worker.work(with_scheduler=True, **work_options)
            except (redis.ConnectionError, redis.TimeoutError) as error:
                log.error("worker %s lost Redis: %s", worker.name, error)
            if worker.stop_signalled:
                break
            stop.install()
            stop.wait(1.0)  # never spin, whatever ended the loop
            wait_for_redis(connection, stop, sweeper)
            retire(worker)
    finally:
        sweeper.stop()
    return 0


def retire(worker: ServiceWorker) -> None:
    """Mark the ended loop's registration dead, so that the next loop can take its name.

    RQ refuses to register a name whose registration is alive: after a short blip (Redis
    kept its data) the old one would be, until its TTL ran out.
    """
    try:
        worker.register_death()
    except (redis.ConnectionError, redis.TimeoutError) as error:
        log.warning("could not retire worker %s: %s", worker.name, error)


def sweep_deadline(sending: SendingSettings) -> float:
    """How long one sweep pass may run before the worker kills and restarts the sweeper.

    A pass asks the provider about at most a few hundred invitations, 10 at a time, each
    ask bounded by the request timeout; a pass longer than this is stuck, not slow.
    """
    return max(120.0, 20 * sending.request_timeout)


class StopFlag:
    """SIGTERM/SIGINT while no RQ loop runs (waiting for Redis): stop at once."""

    requested = False

    def install(self) -> None:
        """Take over the stop signals from the RQ loop that ended."""
        signal.signal(signal.SIGTERM, self.request)
        signal.signal(signal.SIGINT, self.request)

    def request(self, signum: int, frame: Any) -> None:
        """Record a stop request."""
        self.requested = True

    @staticmethod
    def uninstall() -> None:
        """In a forked child (scheduler, sweeper, horse): SIGTERM ends it, until it says else."""
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)

    def wait(self, seconds: float) -> None:
        """Sleep up to `seconds`, less if a stop is requested."""
        deadline = time.monotonic() + seconds
        while not self.requested and time.monotonic() < deadline:
            time.sleep(0.2)


def wait_for_redis(connection: redis.Redis, stop: StopFlag, sweeper: Sweeper) -> None:
    """Ping Redis with backoff (1 s up to 30 s) until it answers or a stop is requested."""
    delay = 1.0
    waited_since = time.monotonic()
    while not stop.requested:
        try:
            connection.ping()
        except (redis.ConnectionError, redis.TimeoutError) as error:
            log.warning(
                "Redis unreachable for %.0f s (%s); retrying in %.0f s",
                time.monotonic() - waited_since,
                error,
                delay,
            )
        else:
            log.info("Redis answers again after %.0f s", time.monotonic() - waited_since)
            return
        stop.wait(delay)
        sweeper.check()
        delay = min(delay * 2, 30.0)
