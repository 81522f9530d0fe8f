"""`flask workers` and `flask jobs status|failed|requeue|clean`: the RQ job system."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from functools import wraps
from typing import Any, TypeVar

import click
import redis
from flask import current_app
from flask.cli import with_appcontext

from app.cli.output import duration, emit, exit_unhealthy, json_option, table
from app.extensions import redis_store
from app.health.jobs import IDLE_AFTER, JobSystem, WorkerRow, job_system
from app.health.repair import (
    UnknownJobError,
    clean_dead_workers,
    failed_jobs,
    failures_by_hour,
    requeue_failed,
)

F = TypeVar("F", bound=Callable[..., Any])

idle_after_option = click.option(
    "--idle-after",
    type=click.FloatRange(min=0),
    default=IDLE_AFTER,
    show_default=True,
    help="Seconds a queue's oldest job may wait before its idle workers are flagged.",
)


def needs_redis(command: F) -> F:
    """Turn a Redis failure into a one-line error and exit status 1."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except redis.RedisError as error:
            raise click.ClickException(f"Redis is unreachable ({type(error).__name__})") from None

    return wrapper  # type: ignore[return-value]


def read_jobs() -> JobSystem:
    """The job system of the app's queues; a Redis failure ends the command."""
    jobs = job_system(redis_store.connection, current_app.config["SETTINGS"].queues)
    if jobs.error is not None:
        raise click.ClickException(f"Redis is unreachable ({jobs.error})")
    return jobs


def queue_names() -> tuple[str, ...]:
    """The service's RQ queues."""
    names: tuple[str, ...] = current_app.config["SETTINGS"].queues
    return names


def worker_flag(worker: WorkerRow, idle: dict[str, list[str]]) -> str:
    """Why a worker needs a look, if it does."""
    if worker.gone:
        return "DEAD (process gone)"
    if not worker.alive:
        return "DEAD (no heartbeat)"
    if worker.name in idle:
        return f"IDLE while {', '.join(idle[worker.name])} waits"
    return ""


@click.command("workers")
@idle_after_option
@json_option
@with_appcontext
@needs_redis
def workers_command(idle_after: float, as_json: bool) -> None:
    """List RQ workers; exit 1 when none is alive, one is dead, or one is up but idle."""
    jobs = read_jobs()
    idle = jobs.idle_workers(idle_after)
    flags = {worker.name: worker_flag(worker, idle) for worker in jobs.workers}
    rows = [
        (
            w.name,
            w.state,
            ",".join(w.queues),
            w.current_job,
            f"{duration(w.silent_for)} ago",
            w.successful,
            w.failed,
            flags[w.name],
        )
        for w in jobs.workers
    ]
    text = table(("worker", "state", "queues", "job", "heartbeat", "done", "failed", "flag"), rows)
    if not jobs.live_workers:
        text += "\nno live worker: nothing will be sent; start `python -m worker`"
    data = {
        "workers": [{**asdict(w), "alive": w.alive, "flag": flags[w.name]} for w in jobs.workers],
        "live": len(jobs.live_workers),
    }
    emit(as_json, data, text)
    exit_unhealthy(bool(jobs.live_workers) and not any(flags.values()))


@click.group("jobs")
def jobs_group() -> None:
    """Inspect and repair RQ jobs."""


@jobs_group.command("status")
@idle_after_option
@json_option
@with_appcontext
@needs_redis
def status_command(idle_after: float, as_json: bool) -> None:
    """Jobs per queue and registry; exit 1 when a queue's oldest job waits too long."""
    jobs = read_jobs()
    unserved = {queue.name for queue in jobs.unserved_queues(idle_after)}
    rows = [
        (
            q.name,
            q.waiting,
            duration(q.oldest_waiting),
            q.started,
            q.failed,
            q.scheduled,
            q.deferred,
        )
        for q in jobs.queues
    ]
    headers = ("queue", "waiting", "oldest", "started", "failed", "scheduled", "deferred")
    text = table(headers, rows)
    for name in sorted(unserved):
        text += f"\nqueue {name}: oldest job waits over {duration(idle_after)}: see `workers`"
    data = {
        "queues": [{**asdict(q), "unserved": q.name in unserved} for q in jobs.queues],
        "live_workers": len(jobs.live_workers),
    }
    emit(as_json, data, text)
    exit_unhealthy(not unserved)


@jobs_group.command("failed")
@click.option("--list", "list_jobs", is_flag=True, help="One line per job instead of by hour.")
@json_option
@with_appcontext
@needs_redis
def failed_command(list_jobs: bool, as_json: bool) -> None:
    """Failed jobs by hour, function and error; exit 1 when there are any."""
    found = failed_jobs(redis_store.connection, queue_names())
    groups = failures_by_hour(found)
    if list_jobs:
        text = table(
            ("job", "queue", "function", "failed at", "error"),
            ((j.id, j.queue, j.function, j.failed_at, j.error) for j in found),
        )
    else:
        text = table(("hour (UTC)", "function", "error", "jobs"), groups)
    if not found:
        text = "no failed job"
    data = {
        "jobs": [asdict(job) for job in found],
        "by_hour": [
            {"hour": hour, "function": function, "error": error, "count": count}
            for hour, function, error, count in groups
        ],
    }
    emit(as_json, data, text)
    exit_unhealthy(not found)


@jobs_group.command("requeue")
@click.argument("job_ids", nargs=-1)
@click.option("--all", "requeue_all", is_flag=True, help="Requeue every failed job.")
@with_appcontext
@needs_redis
def requeue_command(job_ids: tuple[str, ...], requeue_all: bool) -> None:
    """Put failed jobs back on their queue: the ones named, or --all."""
    if bool(job_ids) == requeue_all:
        raise click.UsageError("name the failed jobs to requeue, or pass --all")
    try:
        done = requeue_failed(
            redis_store.connection, queue_names(), None if requeue_all else list(job_ids)
        )
    except UnknownJobError as error:
        raise click.BadParameter(f"{error} (see `flask jobs failed --list`)") from None
    click.echo(f"requeued {len(done)} job{'s' if len(done) != 1 else ''}")
    for job_id in done:
        click.echo(f"  {job_id}")


@jobs_group.command("clean")
@json_option
@with_appcontext
@needs_redis
def clean_command(as_json: bool) -> None:
    """Fail (or retry) started jobs of dead workers now, and unregister dead workers."""
    abandoned = clean_dead_workers(redis_store.connection, queue_names())
    lines = [
        f"job {job.id} on {job.queue} (worker {job.worker} is dead): now {job.outcome}"
        for job in abandoned
    ]
    text = "\n".join(lines) or "no started job of a dead worker"
    emit(as_json, {"abandoned": [asdict(job) for job in abandoned]}, text + "\nregistries cleaned")
