"""`/health`, `/ready` and `/metrics` against real PostgreSQL and Redis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from flask.testing import FlaskClient

from tests.support.apps import fresh_app


def test_health_answers_without_touching_dependencies(migrated: dict[str, str]) -> None:
    from app import create_app

    app = create_app({**migrated, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"})
    response = app.test_client().get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_ready_reports_missing_worker(client: FlaskClient) -> None:
    response = client.get("/ready")
    assert response.status_code == 503
    checks = response.get_json()["checks"]
    assert checks["database"]["ok"] is True
    assert checks["redis"]["ok"] is True
    assert checks["workers"] == {"ok": False, "detail": "no live worker"}


def test_ready_reports_unreachable_database(migrated: dict[str, str]) -> None:
    from app import create_app

    app = create_app({**migrated, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"})
    response = app.test_client().get("/ready")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"]["ok"] is False


@pytest.mark.slow
def test_ready_is_green_with_a_live_worker(migrated: dict[str, str], client: FlaskClient) -> None:
    worker = subprocess.Popen([sys.executable, "-m", "worker"], env={**os.environ, **migrated})
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            response = client.get("/ready")
            if response.status_code == 200:
                break
            time.sleep(0.2)
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["checks"]["workers"]["detail"] == "1 live"
    finally:
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=20) == 0


def test_metrics_exposes_request_counts_and_queue_gauges(client: FlaskClient) -> None:
    client.get("/health")
    body = client.get("/metrics").get_data(as_text=True)
    series = 'http_requests_total{endpoint="health.health",method="GET",status="200"}'
    assert series in body
    counted = float(body.split(series)[1].split()[0])
    client.get("/health")
    client.get("/health")
    body = client.get("/metrics").get_data(as_text=True)
    assert float(body.split(series)[1].split()[0]) == counted + 2  # every request counts
    assert 'rq_queue_jobs{queue="send"} 0.0' in body
    assert "redis_up 1.0" in body
    assert 'webhook_spool_items{list="waiting"} 0.0' in body


def test_metrics_survive_redis_outage(migrated: dict[str, str]) -> None:
    from app import create_app

    app = create_app({**migrated, "REDIS_URL": "redis://127.0.0.1:1/0"})
    response = app.test_client().get("/metrics")
    assert response.status_code == 200
    assert "redis_up 0.0" in response.get_data(as_text=True)


def start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    """`python -m worker` on the test services."""
    return subprocess.Popen([sys.executable, "-m", "worker"], env={**os.environ, **env})


def wait_until_live(client: FlaskClient, worker: subprocess.Popen[bytes]) -> None:
    """Wait for `/ready` to count the worker, then let it settle (a deployed worker is up)."""
    deadline = time.monotonic() + 20
    try:
        while ready_workers(client) != (200, "1 live"):
            assert time.monotonic() < deadline, ready_workers(client)
            time.sleep(0.2)
    except BaseException:
        worker.kill()
        raise
    time.sleep(2)


def stop_worker(worker: subprocess.Popen[bytes]) -> None:
    """Stop a worker as PM2 and the platforms do, and see it exit cleanly."""
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=30) == 0


def ready_workers(client: FlaskClient) -> tuple[int, str]:
    """The status of `/ready` and the detail of its workers check."""
    response = client.get("/ready")
    return response.status_code, response.get_json()["checks"]["workers"]["detail"]


@pytest.mark.slow
def test_ready_stays_green_through_a_worker_restart(
    migrated: dict[str, str], client: FlaskClient
) -> None:
    # A deploy's `pm2 restart worker`: the old worker stops, then a new one boots.
    old = start_worker(migrated)
    wait_until_live(client, old)
    stop_worker(old)
    new = start_worker(migrated)
    try:
        seen: list[tuple[int, str]] = []
        deadline = time.monotonic() + 20
        while not seen or seen[-1] != (200, "1 live"):
            assert time.monotonic() < deadline, seen[-3:]
            seen.append(ready_workers(client))
            time.sleep(0.1)
        assert {status for status, _ in seen} == {200}, seen
        assert any(detail.startswith("0 live, one seen ") for _, detail in seen), seen
    finally:
        stop_worker(new)


@pytest.mark.slow
def test_ready_fails_once_the_worker_is_gone_past_the_grace(migrated: dict[str, str]) -> None:
    with fresh_app({**migrated, "WORKER_RESTART_GRACE": "4"}) as app:
        client = app.test_client()
        worker = start_worker(migrated)
        wait_until_live(client, worker)
        stop_worker(worker)
        stopped = time.monotonic()

        status, detail = ready_workers(client)
        assert status == 200, detail
        assert detail.startswith("0 live, one seen "), detail
        assert detail.endswith(" s ago (restart grace 4 s)"), detail

        time.sleep(max(0.0, stopped + 5 - time.monotonic()))
        status, detail = ready_workers(client)
        assert status == 503, detail
        assert detail.startswith("no live worker for "), detail
        assert detail.endswith(" s (restart grace 4 s)"), detail
