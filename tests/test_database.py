"""The engine: URL rewriting, pool options, and recovery from killed connections."""

from __future__ import annotations

import time

import pytest
from flask import Flask
from sqlalchemy import text

from app.config import load_settings
from app.database import WEBHOOKS, engine_options, normalize_database_url
from app.extensions import db, webhook_engine
from tests.support.database import dispose_engines


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://u:p@h:5432/d", "postgresql+psycopg2://u:p@h:5432/d"),
        ("postgresql://u:p@h/d?sslmode=require", "postgresql+psycopg2://u:p@h/d?sslmode=require"),
        ("postgresql+psycopg2://u@h/d", "postgresql+psycopg2://u@h/d"),
    ],
)
def test_database_url_is_rewritten_to_psycopg2(url: str, expected: str) -> None:
    assert normalize_database_url(url) == expected


def test_pool_is_tuned_and_sized_per_role() -> None:
    web = load_settings({"APP_ENV": "development"})
    worker = load_settings({"APP_ENV": "development", "APP_PROCESS": "worker"})
    options = engine_options(web.database, web.role)
    assert options["pool_pre_ping"] is True
    assert options["pool_use_lifo"] is True
    assert options["pool_recycle"] == 300
    assert options["pool_timeout"] == 5.0
    assert (options["pool_size"], options["max_overflow"]) == (5, 5)
    assert "isolation_level" not in options
    webhooks = engine_options(web.database, web.role, WEBHOOKS)
    # The webhooks' pool: its own connections, autocommit, pinged only after idling.
    assert (webhooks["pool_size"], webhooks["max_overflow"]) == (15, 5)
    assert webhooks["isolation_level"] == "AUTOCOMMIT"
    assert webhooks["pool_pre_ping"] is False
    assert webhooks["connect_args"] == options["connect_args"]
    args = options["connect_args"]
    assert args["keepalives"] == 1
    assert (args["keepalives_idle"], args["keepalives_interval"], args["keepalives_count"]) == (
        30,
        10,
        3,
    )
    assert args["tcp_user_timeout"] == 30_000
    assert args["connect_timeout"] == 5
    assert args["application_name"] == "web"
    assert "statement_timeout=15000" in args["options"]
    assert "idle_in_transaction_session_timeout=30000" in args["options"]
    worker_options = engine_options(worker.database, worker.role)
    assert worker_options["connect_args"]["application_name"] == "worker"
    assert (worker_options["pool_size"], worker_options["max_overflow"]) == (5, 5)


def test_pool_options_follow_the_environment() -> None:
    settings = load_settings(
        {
            "APP_ENV": "development",
            "DB_POOL_SIZE": "3",
            "DB_MAX_OVERFLOW": "0",
            "DB_POOL_RECYCLE": "120",
            "DB_STATEMENT_TIMEOUT_MS": "2500",
            "DB_KEEPALIVES_IDLE": "15",
            "DB_WEBHOOK_POOL_SIZE": "4",
            "DB_WEBHOOK_MAX_OVERFLOW": "2",
        }
    )
    options = engine_options(settings.database, settings.role)
    assert (options["pool_size"], options["max_overflow"], options["pool_recycle"]) == (3, 0, 120)
    webhooks = engine_options(settings.database, settings.role, WEBHOOKS)
    assert (webhooks["pool_size"], webhooks["max_overflow"]) == (4, 2)
    assert options["connect_args"]["keepalives_idle"] == 15
    assert "statement_timeout=2500" in options["connect_args"]["options"]


def test_startup_options_can_be_turned_off_for_pgbouncer() -> None:
    settings = load_settings({"APP_ENV": "development", "DB_STARTUP_OPTIONS": "false"})
    assert "options" not in engine_options(settings.database, settings.role)["connect_args"]


def test_live_connection_reports_the_configured_session(migrated: dict[str, str]) -> None:
    from app import create_app

    app = create_app({**migrated, "APP_PROCESS": "worker", "DB_STATEMENT_TIMEOUT_MS": "4321"})
    with app.app_context():
        assert db.session.execute(text("SHOW application_name")).scalar() == "worker"
        assert db.session.execute(text("SHOW statement_timeout")).scalar() == "4321ms"
        idle = db.session.execute(text("SHOW idle_in_transaction_session_timeout")).scalar()
        assert idle == "30s"
        db.session.remove()
        dispose_engines()


def test_request_succeeds_after_every_connection_is_killed(app: Flask) -> None:
    client = app.test_client()
    for _ in range(3):  # fill the pool with a few connections
        assert client.get("/ready").get_json()["checks"]["database"]["ok"] is True
    assert kill_backends(app) >= 1
    response = client.get("/ready")
    assert response.get_json()["checks"]["database"] == {"ok": True, "detail": "ok"}


def kill_backends(app: Flask) -> int:
    """Terminate every server connection of the app's role but the killer's own."""
    with app.app_context():
        killer = db.engine.pool._creator()  # a connection outside the pools
        try:
            cursor = killer.cursor()
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                " AND application_name = 'web'"
            )
            return int(cursor.fetchone()[0])
        finally:
            killer.close()


def test_the_webhook_pool_pings_only_connections_that_sat_idle(migrated: dict[str, str]) -> None:
    from app import create_app

    app = create_app({**migrated, "DB_PING_AFTER_IDLE": "0.3"})
    with app.app_context():
        engine = webhook_engine()
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        assert kill_backends(app) >= 1
        time.sleep(0.4)  # idle: the dead connection is pinged, found dead, and replaced
        with engine.connect() as connection:
            assert connection.execute(text("SELECT 2")).scalar() == 2
        # Each statement commits itself: the second one is in a transaction of its own.
        with engine.connect() as connection:
            pid = connection.execute(text("SELECT pg_backend_pid()")).scalar()
        with engine.connect() as connection:
            assert connection.execute(text("SELECT pg_backend_pid()")).scalar() == pid
            assert connection.execute(text("SELECT now() = statement_timestamp()")).scalar()
        dispose_engines()


def test_a_webhook_survives_a_killed_connection_that_was_busy_a_moment_ago(
    migrated: dict[str, str],
) -> None:
    from app import create_app
    from app.services.webhook_spool import run_with_retry

    app = create_app(migrated)
    with app.app_context():
        engine = webhook_engine()
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        assert kill_backends(app) >= 1

        def unit() -> int:
            with engine.connect() as connection:
                return int(connection.execute(text("SELECT 3")).scalar_one())

        assert run_with_retry(unit) == 3  # the dead connection failed once; the retry did it
        dispose_engines()
