"""Metrics with bounded labels, behind an optional token; /ready says nothing secret."""

from __future__ import annotations

import re
import secrets

import pytest
from flask import Flask

from app import create_app
from tests.conftest import API_TOKEN, dispose_engines

SAMPLE = re.compile(r'^http_requests_total\{endpoint="([^"]*)",method="([^"]*)",status="(\d+)"\}')


def request_labels(app: Flask) -> set[tuple[str, str, str]]:
    """The (endpoint, method, status) label sets of the request counter."""
    text = app.test_client().get("/metrics").get_data(as_text=True)
    return {match.groups() for line in text.splitlines() if (match := SAMPLE.match(line))}


def test_unknown_methods_and_paths_collapse_to_one_label_value(app: Flask) -> None:
    client = app.test_client()
    before = request_labels(app)
    for n in range(20):
        client.open("/health", method=f"X{secrets.token_hex(4).upper()}")
        client.get(f"/probe/{secrets.token_hex(8)}?n={n}")
    client.open("/health", method="PURGE")
    added = request_labels(app) - before - {("health.metrics", "GET", "200")}
    assert {method for _, method, _ in added} <= {"GET", "other"}
    assert {endpoint for endpoint, _, _ in added} <= {"health.health", "unmatched"}
    assert len(added) <= 2  # 41 odd requests, two series at most: (health, other), (unmatched)
    labels = request_labels(app)
    assert ("unmatched", "GET", "404") in labels
    assert any(method == "other" for _, method, _ in labels)


def test_metrics_token_is_optional_and_enforced_when_set(migrated: dict[str, str]) -> None:
    token = secrets.token_urlsafe(32)
    app = create_app({**migrated, "METRICS_TOKEN": token})
    client = app.test_client()
    try:
        for header in (None, "Bearer wrong", f"Basic {token}", "Bearer é", f"Bearer {API_TOKEN}"):
            headers = {"Authorization": header} if header else {}
            assert client.get("/metrics", headers=headers).status_code == 401, header
        allowed = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
        assert allowed.status_code == 200
        assert "http_requests_total" in allowed.get_data(as_text=True)
    finally:
        with app.app_context():
            dispose_engines()


def test_metrics_are_open_without_a_token(app: Flask) -> None:
    assert app.test_client().get("/metrics").status_code == 200


@pytest.mark.parametrize("down", ["database", "redis"])
def test_ready_names_the_failed_part_without_secrets(migrated: dict[str, str], down: str) -> None:
    password = "pw-" + secrets.token_hex(8)
    broken = {
        "database": {"DATABASE_URL": f"postgresql://postgres:{password}@127.0.0.1:1/nothing"},
        "redis": {"REDIS_URL": f"redis://:{password}@127.0.0.1:1/0"},
    }[down]
    env = {**migrated, **broken, "DB_CONNECT_TIMEOUT": "1"}
    app = create_app(env)
    try:
        response = app.test_client().get("/ready")
        body = response.get_data(as_text=True)
        assert response.status_code == 503
        assert response.get_json()["checks"][down]["ok"] is False
        for secret in (password, env["SECRET_KEY"], API_TOKEN, "127.0.0.1:1"):
            assert secret not in body, secret
    finally:
        with app.app_context():
            dispose_engines()
