"""Bodies over the limit are a 413 whatever their framing, on every route that reads one."""

from __future__ import annotations

import gzip
import http.client
import io
import json
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from app import create_app
from tests.support.constants import API_AUTH
from tests.support.database import dispose_engines, reset_state
from tests.support.stack import running_web

LIMIT = 4096
# API routes whose answer does not depend on a body: they never read one.
BODILESS = {
    "api.pause_campaign",
    "api.resume_campaign",
    "api.cancel_campaign",
    "api.retry_failed",
    "api.send_invitation",
    "api.dismiss_message",
}


@pytest.fixture
def app(migrated: dict[str, str]) -> Iterator[Flask]:
    """The app as in production (CSRF on), with a small body limit."""
    app = create_app(migrated)
    app.config["MAX_CONTENT_LENGTH"] = LIMIT
    yield app
    with app.app_context():
        reset_state(app)
        dispose_engines()


def post_rules(app: Flask) -> list[Rule]:
    """Every route that takes a POST."""
    return sorted(
        (rule for rule in app.url_map.iter_rules() if "POST" in (rule.methods or ())),
        key=lambda rule: rule.rule,
    )


def content_type(rule: Rule) -> str:
    """The body type the route reads."""
    if rule.endpoint == "api.import_guests":
        return "text/csv"
    if rule.endpoint.startswith("api."):
        return "application/json"
    return "application/x-www-form-urlencoded"


def body_for(rule: Rule, size: int) -> bytes:
    """A well-formed body of about `size` bytes of the route's type."""
    kind = content_type(rule)
    if kind == "text/csv":
        rows = "".join(f"Guest {n},+1202555{n % 10000:04d}\n" for n in range(size // 24 + 1))
        return ("name,phone\n" + rows).encode()
    if kind == "application/json":
        return b'{"name": "' + b"x" * size + b'"}'
    return b"Body=" + b"x" * size


def chunked(
    client: FlaskClient, rule: Rule, data: bytes, ids: int = 1, **headers: str
) -> TestResponse:
    """POST `data` without a Content-Length, as a chunked request arrives from gunicorn."""
    path = rule.build(dict.fromkeys(rule.arguments, ids) | {"action": "pause"})[1]
    return client.post(
        path,
        input_stream=io.BytesIO(data),
        content_type=content_type(rule),
        headers={**API_AUTH, "Transfer-Encoding": "chunked", **headers},
        environ_overrides={"wsgi.input_terminated": True},
    )


def test_every_route_that_reads_a_body_refuses_a_chunked_one_over_the_limit(app: Flask) -> None:
    client = app.test_client()
    event = client.post("/api/v1/events", json={"name": "Gala"}, headers=API_AUTH).get_json()
    refused = set()
    for rule in post_rules(app):
        response = chunked(client, rule, body_for(rule, 2 * LIMIT), ids=event["id"])
        assert response.status_code < 500, (rule.rule, response.status_code)
        if response.status_code == 413:
            refused.add(rule.endpoint)
    expected = {rule.endpoint for rule in post_rules(app)} - BODILESS
    assert refused == expected


@pytest.mark.parametrize("size", [LIMIT - 100, LIMIT + 1, 40 * LIMIT])
def test_a_chunked_csv_is_imported_whole_or_refused(app: Flask, size: int) -> None:
    client = app.test_client()
    event = client.post("/api/v1/events", json={"name": "Gala"}, headers=API_AUTH).get_json()
    rule = next(r for r in post_rules(app) if r.endpoint == "api.import_guests")
    data = body_for(rule, size)[:size]
    data = data[: data.rfind(b"\n") + 1]
    path = f"/api/v1/events/{event['id']}/guests"
    response = client.post(
        path,
        input_stream=io.BytesIO(data),
        content_type="text/csv",
        headers=API_AUTH,
        environ_overrides={"wsgi.input_terminated": True},
    )
    if len(data) > LIMIT:
        assert response.status_code == 413
        listed = client.get(path, headers=API_AUTH).get_json()
        assert listed["guests"] == []  # nothing of it was imported
    else:
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["imported"] == data.count(b"\n") - 1


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_a_compressed_body_counts_by_what_it_inflates_to(app: Flask, encoding: str) -> None:
    client = app.test_client()
    rule = next(r for r in post_rules(app) if r.endpoint == "api.create_event")
    compress = gzip.compress if encoding == "gzip" else zlib.compress
    small = compress(b'{"name": "Gala"}')
    accepted = chunked(client, rule, small, **{"Content-Encoding": encoding})
    assert accepted.status_code == 201, accepted.get_json()
    bomb = compress(body_for(rule, 100 * LIMIT))
    assert len(bomb) < LIMIT  # small on the wire, large once inflated
    assert chunked(client, rule, bomb, **{"Content-Encoding": encoding}).status_code == 413
    garbage = chunked(client, rule, b"not gzip at all", **{"Content-Encoding": encoding})
    assert garbage.status_code == 400


def test_an_unknown_content_encoding_is_a_415(app: Flask) -> None:
    rule = next(r for r in post_rules(app) if r.endpoint == "api.create_event")
    response = chunked(app.test_client(), rule, b"{}", **{"Content-Encoding": "br"})
    assert response.status_code == 415


def send_chunked(port: int, method: str, path: str, body: bytes, kind: str) -> tuple[int, bytes]:
    """Send `body` to the real server with `Transfer-Encoding: chunked`, 1 KB a chunk."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        chunks = (body[i : i + 1024] for i in range(0, len(body), 1024))
        headers = {**API_AUTH, "Content-Type": kind}
        connection.request(method, path, body=chunks, headers=headers, encode_chunked=True)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.mark.slow
def test_gunicorn_refuses_a_chunked_csv_over_the_limit(
    migrated: dict[str, str], tmp_path: Path
) -> None:
    with running_web(migrated, tmp_path, MAX_CONTENT_LENGTH=str(LIMIT)) as (base_url, _):
        port = int(base_url.rsplit(":", 1)[1])
        status, created = send_chunked(
            port, "POST", "/api/v1/events", b'{"name": "Gala"}', "application/json"
        )
        assert status == 201, created
        path = f"/api/v1/events/{json.loads(created)['id']}/guests"
        rows = [f"Guest {n},+1202555{n:04d}\n".encode() for n in range(400)]
        whole = b"name,phone\n" + b"".join(rows[:100])
        assert len(whole) < LIMIT
        status, report = send_chunked(port, "POST", path, whole, "text/csv")
        assert status == 200, report
        assert json.loads(report)["imported"] == 100
        too_big = b"name,phone\n" + b"".join(rows[100:])
        status, _ = send_chunked(port, "POST", path, too_big, "text/csv")
        assert status == 413


def test_a_chunked_webhook_is_held_to_the_webhook_cap(app: Flask) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 5 * 1024 * 1024
    rule = next(r for r in post_rules(app) if r.endpoint == "webhooks.inbound")
    assert chunked(app.test_client(), rule, body_for(rule, 70 * 1024)).status_code == 413
