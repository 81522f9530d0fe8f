"""Fixtures: real PostgreSQL and Redis, an app per test, and clean state between tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade

from app import create_app
from tests.support.alone import taking_turns
from tests.support.apps import fresh_app
from tests.support.constants import API_TOKEN, SECRET_KEY
from tests.support.database import dispose_engines
from tests.support.processes import allow_processes, forbid_processes, mark_process_tests
from tests.support.services import ServiceUrls, provide_services

# Twilio's client reads these and would rewrite the API host.
for _name in ("TWILIO_EDGE", "TWILIO_REGION"):
    os.environ.pop(_name, None)


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
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[object]:
    """A test marked `alone` (it measures time) runs, fixtures included, while no other does."""
    with taking_turns(item.get_closest_marker("alone") is not None):
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
        "SECRET_KEY": SECRET_KEY,
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
    with fresh_app(migrated, WTF_CSRF_ENABLED=False) as app:
        yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client for the app."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """A runner for the app's CLI commands."""
    return app.test_cli_runner()
