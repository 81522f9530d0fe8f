"""Every `/api/v1` route needs the bearer token, and the API refuses all when none is set."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from tests.support.constants import API_AUTH, API_TOKEN
from tests.support.database import dispose_engines

ROUTES = [
    ("GET", "/api/v1/events"),
    ("POST", "/api/v1/events"),
    ("GET", "/api/v1/events/1"),
    ("GET", "/api/v1/events/1/stats"),
    ("GET", "/api/v1/events/1/guests"),
    ("POST", "/api/v1/events/1/guests"),
    ("GET", "/api/v1/messages"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer wrong-token",
        f"Basic {API_TOKEN}",
        f"Bearer {API_TOKEN}x",
        "Bearer ",
        API_TOKEN,
    ],
)
def test_missing_or_wrong_token_is_401_json(
    client: FlaskClient, method: str, path: str, header: str | None
) -> None:
    headers = {"Authorization": header} if header is not None else {}
    response = client.open(path, method=method, headers=headers, json={"name": "x"})
    assert response.status_code == 401
    assert response.is_json
    assert "Bearer" in response.get_json()["message"]


def test_right_token_is_accepted(client: FlaskClient) -> None:
    response = client.get("/api/v1/events", headers=API_AUTH)
    assert response.status_code == 200
    assert response.get_json() == {"events": [], "next_cursor": None}


def test_scheme_is_case_insensitive(client: FlaskClient) -> None:
    response = client.get("/api/v1/events", headers={"Authorization": f"bearer {API_TOKEN}"})
    assert response.status_code == 200


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_api_refuses_everything_without_a_configured_token(
    migrated: dict[str, str], method: str, path: str
) -> None:
    app = create_app({**migrated, "API_TOKEN": ""})
    client = app.test_client()
    for headers in ({}, API_AUTH, {"Authorization": "Bearer "}):
        response = client.open(path, method=method, headers=headers, json={"name": "x"})
        assert response.status_code == 401
        assert response.is_json


def test_unknown_api_path_is_404_json(client: FlaskClient) -> None:
    response = client.get("/api/v1/nothing-here", headers=API_AUTH)
    assert response.status_code == 404
    assert response.is_json


@pytest.mark.parametrize("token", ["é", "tést-api-token", "\u00ff" * 40, "€", "\x00"])
def test_non_ascii_tokens_are_refused_on_every_route(
    client: FlaskClient, app: Flask, token: str
) -> None:
    rules = [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1")]
    assert len(rules) > 10
    for rule in rules:
        path = rule.build(dict.fromkeys(rule.arguments, 1))[1]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            response = client.open(
                path, method=method, headers={"Authorization": f"Bearer {token}"}
            )
            assert response.status_code == 401, (method, path, response.status_code)


def test_a_non_ascii_configured_token_works_as_utf8_bytes(migrated: dict[str, str]) -> None:
    app = create_app({**migrated, "API_TOKEN": "jeton-secret-é" * 3})
    client = app.test_client()
    sent = ("jeton-secret-é" * 3).encode().decode("latin-1")  # the bytes, as WSGI gives them
    assert (
        client.get("/api/v1/events", headers={"Authorization": f"Bearer {sent}"}).status_code == 200
    )
    assert client.get("/api/v1/events", headers={"Authorization": "Bearer é"}).status_code == 401
    with app.app_context():
        dispose_engines()
