"""Fixtures for the dashboard: an app with the dashboard, a user, signed-in clients."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.extensions import db
from tests.conftest import dispose_engines, reset_state
from tests.dashboard.support import add_admin, sign_in_session


def _app(env: dict[str, str], csrf: bool) -> Iterator[Flask]:
    """An app with the dashboard; tables and Redis are emptied afterwards."""
    app = create_app(env)
    app.config["TESTING"] = True
    app.config["WTF_CSRF_ENABLED"] = csrf
    yield app
    with app.app_context():
        db.session.remove()
        reset_state(app)
        dispose_engines()


@pytest.fixture
def app(migrated: dict[str, str]) -> Iterator[Flask]:
    """The dashboard app with CSRF off (form tests post plain fields)."""
    yield from _app(migrated, csrf=False)


@pytest.fixture
def csrf_app(migrated: dict[str, str]) -> Iterator[Flask]:
    """The dashboard app with CSRF on, as in production."""
    yield from _app(migrated, csrf=True)


@pytest.fixture
def admin_id(app: Flask) -> int:
    """The id of a dashboard user (see support.ADMIN_EMAIL / ADMIN_PASSWORD)."""
    return add_admin(app)


@pytest.fixture
def user(app: Flask, admin_id: int) -> FlaskClient:
    """A test client signed in as the dashboard user."""
    client = app.test_client()
    sign_in_session(client, admin_id)
    return client
