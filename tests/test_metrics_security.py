"""Metrics with bounded labels, behind an optional token (without it, no sign-in counts);
/ready says nothing secret."""

from __future__ import annotations

import re
import secrets

import pytest
from flask import Flask

from app import create_app
from app.health.metrics import request_counter, request_latency
from app.services import users
from tests.support.constants import API_TOKEN
from tests.support.database import dispose_engines, reset_state

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
    looked_up = request_counter.cache_info().currsize + request_latency.cache_info().currsize
    for n in range(20):  # the labelled children are looked up once per label set
        client.open("/health", method=f"Y{secrets.token_hex(4).upper()}")
        client.get(f"/probe/{secrets.token_hex(8)}?n={n}")
    assert request_counter.cache_info().currsize + request_latency.cache_info().currsize == (
        looked_up
    )
    added = request_labels(app) - before - {("health.metrics", "GET", "200")}
    assert {method for _, method, _ in added} <= {"GET", "other"}
    assert {endpoint for endpoint, _, _ in added} <= {"health.health", "unmatched"}
    assert len(added) <= 2  # 81 odd requests, two series at most: (health, other), (unmatched)
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


PASSWORD = "correct horse battery staple"


def sign_in_and_look_around(app: Flask) -> None:
    """A failed and a successful sign-in, a signed-in page, a sign-out; a health check."""
    with app.app_context():
        users.ensure_admin("organiser@example.org", PASSWORD)
    client = app.test_client()
    form = {"email": "organiser@example.org", "password": PASSWORD}
    assert client.post("/login", data={**form, "password": "guess"}).status_code == 200
    assert client.post("/login", data=form).status_code == 302
    assert client.get("/").status_code == 200
    assert client.post("/logout").status_code == 302
    assert client.get("/health").status_code == 200


def test_metrics_without_a_token_count_no_sign_ins(app: Flask) -> None:
    sign_in_and_look_around(app)
    text = app.test_client().get("/metrics").get_data(as_text=True)
    assert 'endpoint="health.health"' in text  # the rest is still there
    assert "rq_queue_jobs" in text
    assert 'endpoint="dashboard.' not in text


def test_metrics_with_the_token_count_sign_ins(migrated: dict[str, str]) -> None:
    token = secrets.token_urlsafe(32)
    app = create_app({**migrated, "METRICS_TOKEN": token})
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        sign_in_and_look_around(app)
        text = app.test_client().get("/metrics", headers={"Authorization": f"Bearer {token}"})
        assert (
            'http_requests_total{endpoint="dashboard.login",method="POST",status="302"}'
            in text.get_data(as_text=True)
        )
    finally:
        with app.app_context():
            reset_state(app)
            dispose_engines()


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
