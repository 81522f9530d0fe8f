"""Fixtures for the dashboard: an app with the dashboard, a user, signed-in clients; for the
browser tests, the running service and Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

from app import create_app
from tests.support.apps import fresh_app
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS
from tests.support.dashboard import add_admin, sign_in_session
from tests.support.database import dispose_engines, reset_state
from tests.support.stack import ServiceStack, running_stack


@pytest.fixture
def csrf_app(migrated: dict[str, str]) -> Iterator[Flask]:
    """The dashboard app with CSRF on, as in production (`app` has it off: form tests post
    plain fields)."""
    with fresh_app(migrated, WTF_CSRF_ENABLED=True) as app:
        yield app


@pytest.fixture
def public_app(migrated: dict[str, str]) -> Iterator[Flask]:
    """The dashboard app with a public URL (header images and guest links need one)."""
    env = {**migrated, "PUBLIC_BASE_URL": "https://invites.example.org"}
    with fresh_app(env, WTF_CSRF_ENABLED=False) as app:
        yield app


@pytest.fixture
def public_user(public_app: Flask) -> FlaskClient:
    """A test client signed in as the dashboard user of `public_app`."""
    client = public_app.test_client()
    sign_in_session(client, add_admin(public_app))
    return client


@pytest.fixture
def admin_id(app: Flask) -> int:
    """The id of a dashboard user (tests.support.constants: ADMIN_EMAIL, ADMIN_PASSWORD)."""
    return add_admin(app)


@pytest.fixture
def user(app: Flask, admin_id: int) -> FlaskClient:
    """A test client signed in as the dashboard user."""
    client = app.test_client()
    sign_in_session(client, admin_id)
    return client


@pytest.fixture(scope="module")
def stack(
    migrated: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServiceStack]:
    """gunicorn, a worker and the emulator for this module; the data is wiped afterwards."""
    with running_stack(tmp_path_factory.mktemp("dashboard-browser"), migrated) as running:
        yield running
    app = create_app(migrated)
    with app.app_context():
        reset_state(app)
        dispose_engines()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium from the system (never a downloaded browser)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context and page; fails the test on any console error."""
    # A time zone other than the server's UTC: the forms and pages must convert.
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-GB", timezone_id="Asia/Dubai"
    )
    page = context.new_page()
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], f"browser console errors: {errors}"
