"""`flask workers` and `flask jobs clean` against real `python -m worker` processes."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from rq import Queue
from rq.job import Job
from rq.registry import FailedJobRegistry
from rq.suspension import resume, suspend

from app.devstack import ManagedProcess
from app.extensions import redis_store
from tests.support.polling import eventually
from tests.support.stack import kill_hard, start_worker

pytestmark = pytest.mark.slow


@pytest.fixture
def worker(app: Flask, migrated: dict[str, str], tmp_path: Path) -> Iterator[ManagedProcess]:
    """One `python -m worker`, registered with RQ; stopped after the test."""
    process = start_worker(tmp_path, {**os.environ, **migrated, "LOG_LEVEL": "INFO"})
    runner = app.test_cli_runner()
    registered = eventually(lambda: runner.invoke(args=["workers"]).exit_code == 0, 30)
    assert registered, process.tail()
    yield process
    process.stop(timeout=30)


def workers_json(runner: FlaskCliRunner, *args: str) -> tuple[int, dict]:
    """`flask workers --json`: exit status and report."""
    result = runner.invoke(args=["workers", "--json", *args])
    return result.exit_code, json.loads(result.output)


def test_a_live_worker_is_listed_and_flagged_when_up_but_idle(
    app: Flask, runner: FlaskCliRunner, worker: ManagedProcess
) -> None:
    status, report = workers_json(runner)
    assert status == 0
    [row] = report["workers"]
    assert row["name"].endswith(f".{worker.pid}")
    assert row["alive"] is True and row["flag"] == ""
    assert row["queues"] == ["send", "default"]
    assert row["silent_for"] < 45

    with app.app_context():
        connection = redis_store.connection
        suspend(connection)  # workers up, taking nothing: what "up but idle" looks like
        try:
            queue = Queue("default", connection=connection)
            queue.enqueue("time.sleep", 0)  # taken by the worker waiting on the queue
            suspended = eventually(
                lambda: workers_json(runner)[1]["workers"][0]["state"] == "suspended", 15
            )
            assert suspended, worker.tail()
            queue.enqueue("time.sleep", 0)
            flagged = eventually(lambda: workers_json(runner, "--idle-after", "1")[0] == 1, 15)
            assert flagged, worker.tail()
            _, report = workers_json(runner, "--idle-after", "1")
            assert report["workers"][0]["flag"] == "IDLE while default waits"
            table = runner.invoke(args=["workers", "--idle-after", "1"]).output
            assert "IDLE while default waits" in table
        finally:
            resume(connection)


def test_jobs_clean_fails_the_job_of_a_worker_killed_mid_job(
    app: Flask, runner: FlaskCliRunner, worker: ManagedProcess
) -> None:
    with app.app_context():
        connection = redis_store.connection
        job = Queue("default", connection=connection).enqueue("time.sleep", 60)
        assert eventually(lambda: job.get_status() == "started", 20), worker.tail()
        kill_hard(worker)

        status, report = workers_json(runner)
        assert status == 1
        assert report["workers"][0]["flag"] == "DEAD (process gone)"
        assert report["live"] == 0
        # /ready and /metrics read the same workers: dead at once, not 45 s later (/ready
        # stays ready for WORKER_RESTART_GRACE, the time a supervisor takes to restart it).
        ready = app.test_client().get("/ready").get_json()["checks"]["workers"]
        assert ready["ok"] is True
        assert ready["detail"].startswith("0 live, one seen "), ready
        assert "rq_workers_live 0.0" in app.test_client().get("/metrics").get_data(as_text=True)

        result = runner.invoke(args=["jobs", "clean"])
        assert result.exit_code == 0, result.output
        assert f"job {job.id} on default (worker {report['workers'][0]['name']} is dead)" in (
            result.output
        )
        assert "now failed" in result.output
        assert job.id in FailedJobRegistry("default", connection=connection)
        assert Job.fetch(job.id, connection=connection).get_status() == "failed"
        assert workers_json(runner)[1]["workers"] == []  # its registration is gone

        failed = runner.invoke(args=["jobs", "failed", "--json"]).output
        [entry] = json.loads(failed)["jobs"]
        assert entry["function"] == "time.sleep" and "AbandonedJobError" in entry["error"]
        again = runner.invoke(args=["jobs", "clean"])
        assert again.output.startswith("no started job of a dead worker")
