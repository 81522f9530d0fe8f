"""Inspect and repair RQ's failed and abandoned jobs, with RQ's own registries.

Used by `flask jobs failed|requeue|clean`. Jobs here are wake-ups and drains: the truth of
what is left to send stays in PostgreSQL, so requeueing or failing one never loses or
duplicates an invitation.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

import redis
from rq import Queue
from rq.executions import Execution
from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry, StartedJobRegistry, clean_registries

from app.health.jobs import aware, worker_rows


@dataclass(frozen=True)
class FailedJob:
    """One job of a failed-job registry, with the last line of its error."""

    id: str
    queue: str
    function: str
    failed_at: datetime | None
    error: str


def error_line(exc_string: str | None) -> str:
    """The last non-empty line of a traceback: the exception and its message."""
    lines = [line for line in (exc_string or "").splitlines() if line.strip()]
    return lines[-1].strip()[:200] if lines else "(no error recorded)"


def failed_jobs(connection: redis.Redis, queue_names: tuple[str, ...]) -> list[FailedJob]:
    """Every job of the queues' failed registries, newest first."""
    found = []
    for name in queue_names:
        registry = FailedJobRegistry(name, connection=connection)
        ids = registry.get_job_ids()
        for job in Job.fetch_many(ids, connection=connection):
            if job is None:
                continue
            result = job.latest_result()
            found.append(
                FailedJob(
                    id=job.id,
                    queue=name,
                    function=job.func_name or "?",
                    failed_at=aware(job.ended_at) or (result.created_at if result else None),
                    error=error_line(result.exc_string if result else None),
                )
            )
    epoch = datetime.min.replace(tzinfo=UTC)
    return sorted(found, key=lambda job: job.failed_at or epoch, reverse=True)


def failures_by_hour(jobs: list[FailedJob]) -> list[tuple[str, str, str, int]]:
    """Count failed jobs per (hour, function, error), newest hour first."""
    counts = Counter(
        (
            job.failed_at.strftime("%Y-%m-%d %H:00") if job.failed_at else "?",
            job.function,
            job.error,
        )
        for job in jobs
    )
    return [(*key, n) for key, n in sorted(counts.items(), key=lambda item: item[0], reverse=True)]


class UnknownJobError(LookupError):
    """A job id that no failed-job registry of the service's queues holds."""


def requeue_failed(
    connection: redis.Redis, queue_names: tuple[str, ...], job_ids: list[str] | None = None
) -> list[str]:
    """Put failed jobs back on their queues (all of them, or those named); return their ids.

    Every named id is checked first: one unknown id requeues nothing.
    """
    registries = [FailedJobRegistry(name, connection=connection) for name in queue_names]
    held = {job_id: registry for registry in registries for job_id in registry.get_job_ids()}
    wanted = list(held) if job_ids is None else list(dict.fromkeys(job_ids))
    unknown = [job_id for job_id in wanted if job_id not in held]
    if unknown:
        raise UnknownJobError(f"no failed job {', '.join(unknown)}")
    for job_id in wanted:
        held[job_id].requeue(job_id)
    return wanted


@dataclass(frozen=True)
class Abandoned:
    """A started job whose worker is dead, and what cleaning did with it."""

    id: str
    queue: str
    worker: str
    outcome: str  # the job's status afterwards: failed, or queued again when it had retries


def dead_worker_executions(
    registry: StartedJobRegistry, live: set[str]
) -> list[tuple[Job, Execution]]:
    """The executions in the registry whose worker is not among the `live` ones."""
    found = []
    for job_id, execution_id in registry.get_job_and_execution_ids(cleanup=False):
        job = Job.fetch_many([job_id], connection=registry.connection)[0]
        if job is None or job.get_status(refresh=False) != JobStatus.STARTED:
            continue
        if job.worker_name not in live:
            found.append((job, Execution(execution_id, job_id, connection=registry.connection)))
    return found


def clean_dead_workers(connection: redis.Redis, queue_names: tuple[str, ...]) -> list[Abandoned]:
    """Fail (or retry) the started jobs of dead workers now, and unregister those workers.

    RQ does this by itself once a dead worker's heartbeat has expired and another worker
    runs its maintenance; here the job's execution is expired at once and RQ's own
    `clean_registries` handles it (moved to the failed registry with `AbandonedJobError`,
    or requeued when it has retries left). Registries are cleaned as RQ would.
    """
    rows = worker_rows(connection)
    live = {row.name for row in rows if row.alive}
    abandoned = []
    for name in queue_names:
        queue = Queue(name, connection=connection)
        registry = StartedJobRegistry(queue=queue)
        executions = dead_worker_executions(registry, live)
        for _, execution in executions:
            connection.zadd(registry.key, {execution.composite_key: 0}, xx=True)
        clean_registries(queue)
        abandoned += [
            Abandoned(job.id, name, job.worker_name or "?", job.get_status(refresh=True).value)
            for job, _ in executions
        ]
    for row in rows:
        if row.gone:
            unregister(connection, row.name)
    return abandoned


def unregister(connection: redis.Redis, name: str) -> None:
    """Remove a dead worker's registration (RQ's own `register_death`)."""
    from rq import Worker

    worker = Worker.find_by_key(Worker.redis_worker_namespace_prefix + name, connection=connection)
    if worker is not None:
        worker.register_death()
