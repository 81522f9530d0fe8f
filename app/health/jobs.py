"""What Redis says about the job system: RQ workers, queues, and workers up but idle.

One reading serves `/ready`, `/metrics`, the dashboard's `/system` page and the operator
CLI (`flask workers`, `flask jobs status`), so that they all tell the same story.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime

import redis
from rq import Queue, Worker
from rq.job import Job
from rq.registry import (
    DeferredJobRegistry,
    FailedJobRegistry,
    ScheduledJobRegistry,
    StartedJobRegistry,
)
from rq.worker import BaseWorker

from app.sending.owners import is_gone, pid_namespace
from app.sending.wakeup import live_drainers

# Workers beat every WORKER_TTL - 15 s when idle and every 10 s during a job (see worker/):
# three missed beats mean dead.
WORKER_MAX_SILENCE = 45.0
# A queue whose oldest job has waited this long while workers listen to it is not served.
IDLE_AFTER = 60.0


def aware(moment: datetime | None) -> datetime | None:
    """The moment in UTC (RQ stores naive UTC datetimes)."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def process_gone(worker: BaseWorker) -> bool:
    """Whether the worker ran on this host, in this pid namespace, and its process is gone.

    `python -m worker` names its workers `host.pid-namespace.pid`; a worker elsewhere (another
    host or container) is judged by its heartbeat alone.
    """
    parts = worker.name.rsplit(".", 2)
    namespace = parts[1] if len(parts) == 3 else "-"
    if namespace in ("-", "") or namespace != pid_namespace():
        return False
    if worker.hostname != socket.gethostname() or not worker.pid:
        return False
    return is_gone(worker.pid)


@dataclass(frozen=True)
class WorkerRow:
    """One RQ worker as registered in Redis."""

    name: str
    state: str
    current_job: str | None
    queues: list[str]
    last_heartbeat: datetime | None
    silent_for: float | None
    successful: int
    failed: int
    gone: bool = False  # registered on this machine, but its process is dead

    @property
    def alive(self) -> bool:
        """Whether its heartbeat is recent enough for /ready (and its process still runs)."""
        if self.gone or self.silent_for is None:
            return False
        return self.silent_for <= WORKER_MAX_SILENCE


def worker_row(worker: BaseWorker, now: datetime) -> WorkerRow:
    """Read one worker's registration."""
    beat = aware(worker.last_heartbeat)
    return WorkerRow(
        name=worker.name,
        state=str(worker.get_state()),
        current_job=worker.get_current_job_id(),
        queues=worker.queue_names(),
        last_heartbeat=beat,
        silent_for=(now - beat).total_seconds() if beat is not None else None,
        successful=worker.successful_job_count,
        failed=worker.failed_job_count,
        gone=process_gone(worker),
    )


def worker_rows(connection: redis.Redis) -> list[WorkerRow]:
    """Every registered RQ worker, by name."""
    now = datetime.now(UTC)
    rows = (worker_row(worker, now) for worker in Worker.all(connection=connection))
    return sorted(rows, key=lambda row: row.name)


@dataclass(frozen=True)
class QueueRow:
    """Job counts of one RQ queue and its registries, and how long its oldest job waited."""

    name: str
    waiting: int
    started: int
    failed: int
    scheduled: int
    deferred: int
    oldest_waiting: float | None = None  # seconds since the head of the queue was enqueued


def oldest_waiting(queue: Queue, now: datetime) -> float | None:
    """Seconds since the job at the head of the queue was enqueued (None when empty)."""
    head = queue.get_job_ids(0, 1)
    if not head:
        return None
    job = Job.fetch_many(head, connection=queue.connection)[0]
    enqueued = aware(job.enqueued_at) if job is not None else None
    return (now - enqueued).total_seconds() if enqueued is not None else None


def queue_row(name: str, connection: redis.Redis) -> QueueRow:
    """Count one queue's waiting, running, failed, scheduled and deferred jobs."""
    queue = Queue(name, connection=connection)
    return QueueRow(
        name=name,
        waiting=queue.count,
        started=StartedJobRegistry(queue=queue).count,
        failed=FailedJobRegistry(queue=queue).count,
        scheduled=ScheduledJobRegistry(queue=queue).count,
        deferred=DeferredJobRegistry(queue=queue).count,
        oldest_waiting=oldest_waiting(queue, datetime.now(UTC)),
    )


@dataclass
class JobSystem:
    """What Redis says about workers, queues and drainers (`error` set where Redis failed)."""

    workers: list[WorkerRow] = field(default_factory=list)
    queues: list[QueueRow] = field(default_factory=list)
    drainers: int | None = None
    error: str | None = None

    @property
    def live_workers(self) -> list[WorkerRow]:
        """The workers with a recent heartbeat."""
        return [worker for worker in self.workers if worker.alive]

    def unserved_queues(self, idle_after: float = IDLE_AFTER) -> list[QueueRow]:
        """Queues whose oldest job has waited more than `idle_after` seconds."""
        return [
            queue
            for queue in self.queues
            if queue.oldest_waiting is not None and queue.oldest_waiting > idle_after
        ]

    def idle_workers(self, idle_after: float = IDLE_AFTER) -> dict[str, list[str]]:
        """Live workers not running a job while a queue they listen to is not served.

        Maps each such worker's name to those queues: "up but idle".
        """
        unserved = {queue.name for queue in self.unserved_queues(idle_after)}
        found = {}
        for worker in self.live_workers:
            starved = sorted(unserved.intersection(worker.queues))
            if starved and worker.current_job is None:
                found[worker.name] = starved
        return found


def job_system(connection: redis.Redis, queue_names: tuple[str, ...]) -> JobSystem:
    """Read workers, queues and live drainers from Redis; report a Redis failure instead."""
    try:
        return JobSystem(
            workers=worker_rows(connection),
            queues=[queue_row(name, connection) for name in queue_names],
            drainers=live_drainers(connection),
        )
    except redis.RedisError as error:
        return JobSystem(error=type(error).__name__)
