"""Security headers on every response; HSTS only in production over HTTPS."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from app import create_app
from app.headers import HEADERS, STRICT_TRANSPORT_SECURITY
from tests.support.constants import API_AUTH
from tests.support.database import dispose_engines

# One of each kind of answer: pages, redirects, JSON, errors, TwiML refusals, metrics, files.
REQUESTS = [
    ("GET", "/health", {}),
    ("GET", "/ready", {}),
    ("GET", "/metrics", {}),
    ("GET", "/login", {}),
    ("GET", "/", {}),
    ("GET", "/dashboard-static/dashboard.css", {}),
    ("GET", "/api/v1/events", API_AUTH),
    ("GET", "/api/v1/events", {}),
    ("POST", "/webhooks/twilio/inbound", {}),
    ("POST", "/webhooks/twilio/status", {}),
    ("GET", "/no/such/page", {}),
    ("DELETE", "/health", {}),
]


def production_app(env: dict[str, str], **extra: str) -> Iterator[Flask]:
    """A production app (sending off) with `extra` settings."""
    app = create_app({**env, "APP_ENV": "production", "SENDING_ENABLED": "false", **extra})
    yield app
    with app.app_context():
        dispose_engines()


@pytest.mark.parametrize(("method", "path", "headers"), REQUESTS)
def test_every_response_carries_the_security_headers(
    app: Flask, method: str, path: str, headers: dict[str, str]
) -> None:
    with app.test_client().open(path, method=method, headers=headers) as response:
        for name, value in HEADERS.items():
            assert response.headers.get(name) == value, (path, response.status_code, name)
        assert "Strict-Transport-Security" not in response.headers  # not production


@pytest.mark.parametrize(
    ("extra", "headers", "expected"),
    [
        ({"TRUSTED_PROXIES": "1"}, {"X-Forwarded-Proto": "https"}, True),
        ({"TRUSTED_PROXIES": "1"}, {"X-Forwarded-Proto": "http"}, False),
        ({}, {"X-Forwarded-Proto": "https"}, False),  # an untrusted header says nothing
        ({"PUBLIC_BASE_URL": "https://invites.example.org"}, {}, True),
        ({"PUBLIC_BASE_URL": "http://127.0.0.1:8000"}, {}, False),
    ],
)
def test_hsts_in_production_behind_https(
    migrated: dict[str, str], extra: dict[str, str], headers: dict[str, str], expected: bool
) -> None:
    for app in production_app(migrated, **extra):
        for path in ("/health", "/login", "/api/v1/events"):
            response = app.test_client().get(path, headers=headers)
            hsts = response.headers.get("Strict-Transport-Security")
            assert hsts == (STRICT_TRANSPORT_SECURITY if expected else None), path


def test_https_directly_gets_hsts_in_production(migrated: dict[str, str]) -> None:
    for app in production_app(migrated):
        response = app.test_client().get("/health", base_url="https://localhost")
        assert response.headers["Strict-Transport-Security"] == STRICT_TRANSPORT_SECURITY


def test_development_never_sends_hsts(migrated: dict[str, str]) -> None:
    app = create_app({**migrated, "APP_ENV": "development"})
    response = app.test_client().get("/health", base_url="https://localhost")
    assert "Strict-Transport-Security" not in response.headers
    with app.app_context():
        dispose_engines()
