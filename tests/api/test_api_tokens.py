"""Users' own API tokens: stored hashed, checked in one indexed query, last use, read-only,
revocation; the deploy's API_TOKEN stays an owner."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from app.extensions import db
from app.models import User, UserRole
from app.services import tokens
from tests.support.access import add_member
from tests.support.constants import API_AUTH
from tests.support.dashboard import sign_in_session
from tests.support.database import execute, scalar, sql_statements


def token_of(app: Flask, user_id: int, read_only: bool = False) -> dict[str, str]:
    """A new token of the user, as a header."""
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        return {"Authorization": f"Bearer {tokens.create(user, 'script', read_only).secret}"}


def test_a_token_is_stored_as_a_hash_only(app: Flask) -> None:
    header = token_of(app, add_member(app, "o@example.org", UserRole.ORGANISER))
    secret = header["Authorization"].removeprefix("Bearer ")
    assert secret.startswith("wit_") and len(secret) >= 40
    assert scalar(app, "SELECT count(*) FROM api_tokens WHERE token_hash = :s", s=secret) == 0
    assert scalar(app, "SELECT length(token_hash) FROM api_tokens") == 64


def test_checking_a_token_is_one_indexed_query(app: Flask, client: FlaskClient) -> None:
    header = token_of(app, add_member(app, "o@example.org", UserRole.ORGANISER))
    assert client.get("/api/v1/events", headers=header).status_code == 200  # stamps last use
    with sql_statements(app) as statements:
        assert client.get("/api/v1/events", headers=header).status_code == 200
    touching = [s for s in statements if "api_tokens" in s]
    assert len(touching) == 1, touching
    with app.app_context(), db.engine.connect() as connection:
        connection.execute(text("SET enable_seqscan = off"))
        explained = " ".join(
            row[0]
            for row in connection.execute(
                text("EXPLAIN " + tokens.FIND.text), {"digest": "0" * 64, "every": 60}
            )
        )
    assert "uq_api_tokens_token_hash" in explained


def test_last_use_is_recorded_at_most_once_a_minute(app: Flask, client: FlaskClient) -> None:
    header = token_of(app, add_member(app, "o@example.org", UserRole.VIEWER))
    assert scalar(app, "SELECT last_used_at FROM api_tokens") is None
    client.get("/api/v1/events", headers=header)
    first = scalar(app, "SELECT last_used_at FROM api_tokens")
    assert first is not None
    client.get("/api/v1/events", headers=header)
    assert scalar(app, "SELECT last_used_at FROM api_tokens") == first
    execute(app, "UPDATE api_tokens SET last_used_at = now() - interval '2 minutes'")
    client.get("/api/v1/events", headers=header)
    assert scalar(app, "SELECT last_used_at FROM api_tokens") > first


def test_a_read_only_token_reads_and_changes_nothing(app: Flask, client: FlaskClient) -> None:
    header = token_of(app, add_member(app, "o@example.org", UserRole.OWNER), read_only=True)
    assert client.get("/api/v1/events", headers=header).status_code == 200
    refused = client.post("/api/v1/events", json={"name": "Nope"}, headers=header)
    assert refused.status_code == 403
    assert refused.get_json() == {
        "error": "forbidden",
        "message": "a read-only token can't make this call",
    }
    assert scalar(app, "SELECT count(*) FROM events") == 0


def test_a_revoked_token_stops_at_once(app: Flask, client: FlaskClient) -> None:
    member = app.test_client()
    member_id = add_member(app, "o@example.org", UserRole.ORGANISER)
    sign_in_session(member, member_id)
    made = member.post("/account/tokens", data={"name": "CRM sync", "read_only": "y"})
    assert made.status_code == 201
    page = made.get_data(as_text=True)
    secret = re.search(r'value="(wit_[^"]+)"', page)
    assert secret and "shown only this once" in page
    header = {"Authorization": f"Bearer {secret.group(1)}"}
    assert client.get("/api/v1/events", headers=header).status_code == 200
    listing = member.get("/account/tokens").get_data(as_text=True)
    assert "CRM sync" in listing and "read-only" in listing and secret.group(1) not in listing
    token_id = scalar(app, "SELECT id FROM api_tokens")
    assert member.post(f"/account/tokens/{token_id}/revoke").status_code == 302
    assert client.get("/api/v1/events", headers=header).status_code == 401


def test_a_user_revokes_only_their_own_tokens(app: Flask) -> None:
    mine = add_member(app, "me@example.org", UserRole.ORGANISER)
    theirs = add_member(app, "them@example.org", UserRole.ORGANISER)
    header = token_of(app, theirs)
    member = app.test_client()
    sign_in_session(member, mine)
    member.post(f"/account/tokens/{scalar(app, 'SELECT id FROM api_tokens')}/revoke")
    assert app.test_client().get("/api/v1/events", headers=header).status_code == 200


def test_the_deploy_token_is_an_owner(client: FlaskClient) -> None:
    assert client.get("/api/v1/audit", headers=API_AUTH).status_code == 200
    assert (
        client.get("/api/v1/events", headers={"Authorization": "Bearer wit_nope"}).status_code
        == 401
    )
