"""Fixtures: real PostgreSQL and Redis, an app per test, and clean state between tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade
from sqlalchemy import text

from app import create_app
from app.extensions import db
from tests.support.processes import allow_processes, forbid_processes, mark_process_tests
from tests.support.services import ServiceUrls, flush_redis, provide_services

# Twilio's client reads these and would rewrite the API host.
for _name in ("TWILIO_EDGE", "TWILIO_REGION"):
    os.environ.pop(_name, None)

API_TOKEN = "test-api-token-for-the-test-suite-only"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark slow the tests whose fixtures start processes."""
    mark_process_tests(items)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    """Fail a test not marked slow whose fixtures start a process."""
    with forbid_processes(item):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Fail a test not marked slow that starts a process."""
    with forbid_processes(item):
        return (yield)


@pytest.fixture(scope="session")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceUrls]:
    """PostgreSQL (a scratch database) and Redis for the whole run."""
    with ExitStack() as stack:
        with allow_processes():  # the servers start for whichever test needs them first
            found = stack.enter_context(provide_services(tmp_path_factory.mktemp("services")))
        yield found


@pytest.fixture(scope="session")
def test_env(services: ServiceUrls) -> dict[str, str]:
    """The environment every test app and test process starts from."""
    return {
        "APP_ENV": "test",
        "SECRET_KEY": "test-secret-key-for-the-test-suite-only",
        "DATABASE_URL": services.database_url,
        "REDIS_URL": services.redis_url,
        "API_TOKEN": API_TOKEN,
        "LOG_LEVEL": "WARNING",
    }


@pytest.fixture(scope="session")
def migrated(test_env: dict[str, str]) -> dict[str, str]:
    """Apply the migrations once to the scratch database."""
    app = create_app(test_env)
    with app.app_context():
        upgrade()
        dispose_engines()
    return test_env


@pytest.fixture
def app(migrated: dict[str, str]) -> Iterator[Flask]:
    """An app on the migrated database; every table and Redis are emptied afterwards."""
    app = create_app(migrated)
    app.config["TESTING"] = True
    app.config["WTF_CSRF_ENABLED"] = False
    yield app
    with app.app_context():
        db.session.remove()
        reset_state(app)
        dispose_engines()


def dispose_engines() -> None:
    """Close every pooled connection of the current app's engines (main and webhooks)."""
    for engine in db.engines.values():
        engine.dispose()


# Restart every sequence, as TRUNCATE ... RESTART IDENTITY would.
RESTART_SEQUENCES = text("SELECT setval(oid::regclass, 1, false) FROM pg_class WHERE relkind = 'S'")
# Above this many rows in a table, TRUNCATE is the faster way to empty it.
DELETE_AT_MOST = 5_000


def reset_state(app: Flask) -> None:
    """Empty every table but Alembic's, restart the ids, and flush the test Redis database.

    Small tables are emptied with DELETE, a hundred times faster than TRUNCATE (which makes
    new files for every table and index); the second pass removes the tally rows the first
    one's triggers appended. After a test with big tables, TRUNCATE.
    """
    tables = list(reversed(db.metadata.sorted_tables))
    sizes = " UNION ALL ".join(
        f"SELECT count(*) FROM (SELECT 1 FROM {t.name} LIMIT {DELETE_AT_MOST + 1}) AS rows"
        for t in tables
    )
    with db.engine.begin() as connection:
        if max(connection.execute(text(sizes)).scalars()) > DELETE_AT_MOST:
            names = ", ".join(t.name for t in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables + tables:
                connection.execute(table.delete())
            connection.execute(RESTART_SEQUENCES)
    flush_redis(app.config["SETTINGS"].redis_url)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client for the app."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """A runner for the app's CLI commands."""
    return app.test_cli_runner()
