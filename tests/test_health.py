"""`/health`, `/ready` and `/metrics` against real PostgreSQL and Redis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from flask.testing import FlaskClient


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
    assert 'http_requests_total{endpoint="health.health",method="GET",status="200"}' in body
    assert 'rq_queue_jobs{queue="send"} 0.0' in body
    assert "redis_up 1.0" in body
    assert 'webhook_spool_items{list="waiting"} 0.0' in body


def test_metrics_survive_redis_outage(migrated: dict[str, str]) -> None:
    from app import create_app

    app = create_app({**migrated, "REDIS_URL": "redis://127.0.0.1:1/0"})
    response = app.test_client().get("/metrics")
    assert response.status_code == 200
    assert "redis_up 0.0" in response.get_data(as_text=True)
