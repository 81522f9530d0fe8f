"""`flask jobs status|failed|requeue` and `flask workers` on real Redis, jobs run by RQ itself."""

from __future__ import annotations

import json
import time

import redis
from flask import Flask
from flask.testing import FlaskCliRunner
from rq import Queue
from rq.registry import FailedJobRegistry

from app.extensions import redis_store
from tests.support.burst_worker import BurstWorker


def connection(app: Flask) -> redis.Redis:
    """The app's Redis client."""
    with app.app_context():
        client: redis.Redis = redis_store.connection
        return client


def fail_jobs(app: Flask, count: int) -> list[str]:
    """Run `count` jobs that raise in an RQ worker (in this process); return their ids."""
    queue = Queue("default", connection=connection(app))
    ids = [queue.enqueue("json.loads", "not json").id for _ in range(count)]
    BurstWorker([queue], connection=queue.connection).work(burst=True)
    return ids


def test_failed_jobs_are_counted_by_hour_function_and_error(
    app: Flask, runner: FlaskCliRunner
) -> None:
    assert runner.invoke(args=["jobs", "failed"]).exit_code == 0
    ids = fail_jobs(app, 2)

    result = runner.invoke(args=["jobs", "failed"])
    assert result.exit_code == 1, result.output
    [header, row] = result.output.splitlines()
    assert header.split()[:3] == ["hour", "(UTC)", "function"]
    assert "json.loads" in row and "JSONDecodeError" in row and row.rstrip().endswith("2")

    data = json.loads(runner.invoke(args=["jobs", "failed", "--json"]).output)
    assert sorted(job["id"] for job in data["jobs"]) == sorted(ids)
    assert {job["queue"] for job in data["jobs"]} == {"default"}
    assert data["by_hour"][0]["count"] == 2
    assert data["by_hour"][0]["error"].startswith("json.decoder.JSONDecodeError")


def test_requeue_puts_named_or_all_failed_jobs_back(app: Flask, runner: FlaskCliRunner) -> None:
    first, second, third = fail_jobs(app, 3)
    queue = Queue("default", connection=connection(app))
    failed = FailedJobRegistry(queue=queue)

    refused = runner.invoke(args=["jobs", "requeue", first, "no-such-job"])
    assert refused.exit_code == 2
    assert "no failed job no-such-job" in refused.output
    assert queue.count == 0 and failed.count == 3  # nothing changed
    assert runner.invoke(args=["jobs", "requeue"]).exit_code == 2  # neither ids nor --all

    result = runner.invoke(args=["jobs", "requeue", first])
    assert result.exit_code == 0, result.output
    assert "requeued 1 job" in result.output
    assert queue.job_ids == [first] and failed.count == 2

    result = runner.invoke(args=["jobs", "requeue", "--all"])
    assert result.exit_code == 0, result.output
    assert sorted(queue.job_ids) == sorted([first, second, third]) and failed.count == 0


def test_status_flags_a_queue_whose_oldest_job_waits_too_long(
    app: Flask, runner: FlaskCliRunner
) -> None:
    result = runner.invoke(args=["jobs", "status"])
    assert result.exit_code == 0, result.output
    Queue("send", connection=connection(app)).enqueue("time.sleep", 0)
    time.sleep(0.2)

    result = runner.invoke(args=["jobs", "status", "--idle-after", "0.1"])
    assert result.exit_code == 1
    assert "queue send: oldest job waits over" in result.output
    data = json.loads(runner.invoke(args=["jobs", "status", "--json"]).output)
    send = next(queue for queue in data["queues"] if queue["name"] == "send")
    assert send["waiting"] == 1 and send["unserved"] is False
    assert send["oldest_waiting"] >= 0.2

    body = app.test_client().get("/metrics").get_data(as_text=True)
    assert 'rq_queue_jobs{queue="send"} 1.0' in body
    assert 'rq_queue_oldest_job_age_seconds{queue="default"} 0.0' in body
    assert "rq_workers_idle 0.0" in body


def test_workers_without_any_worker_is_unhealthy(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["workers"])
    assert result.exit_code == 1
    assert "no live worker" in result.output
    data = json.loads(runner.invoke(args=["workers", "--json"]).output)
    assert data == {"workers": [], "live": 0}


def test_a_redis_outage_is_one_line_and_exit_1(migrated: dict[str, str]) -> None:
    from app import create_app

    broken = create_app({**migrated, "REDIS_URL": "redis://127.0.0.1:1/0"})
    for args in (["workers"], ["jobs", "status"], ["jobs", "failed"], ["spool"]):
        result = broken.test_cli_runner().invoke(args=args)
        assert result.exit_code == 1, (args, result.output)
        assert result.output.strip() == "Error: Redis is unreachable (ConnectionError)"
