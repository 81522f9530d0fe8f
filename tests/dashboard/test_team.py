"""The team: invite links (single use, expiring, stored hashed), roles, removal, the last
owner, and role escalation refused."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import Invite, User, UserRole
from app.models.base import utcnow
from app.services import team, tokens, users
from app.services.team import digest
from tests.support.access import add_member
from tests.support.constants import ADMIN_EMAIL, API_AUTH
from tests.support.dashboard import sign_in_session
from tests.support.database import scalar

OWNER, ORGANISER, VIEWER, DOOR = UserRole


def invite_link(user: FlaskClient, email: str, role: str) -> str:
    """Invite through the team page; return the link's path as shown once."""
    response = user.post("/team/invites", data={"email": email, "role": role})
    assert response.status_code == 201, response.get_data(as_text=True)
    match = re.search(r'value="http://localhost(/invite/[^"]+)"', response.get_data(as_text=True))
    assert match, "the link is shown"
    return match.group(1)


def join(app: Flask, path: str, password: str = "a fine password", **extra: str) -> FlaskClient:
    """Open an invite link and join with a password."""
    client = app.test_client()
    client.post(path, data={"password": password, "confirm": password, **extra})
    return client


def test_an_owner_invites_and_the_newcomer_joins_with_that_role(
    app: Flask, user: FlaskClient
) -> None:
    path = invite_link(user, "Door@Example.org", "door")
    secret = path.removeprefix("/invite/")
    assert scalar(app, "SELECT count(*) FROM invites WHERE token_hash = :h", h=digest(secret)) == 1
    assert scalar(app, "SELECT count(*) FROM invites WHERE token_hash = :s", s=secret) == 0
    assert "door@example.org" in app.test_client().get(path).get_data(as_text=True)
    newcomer = join(app, path, role="owner")  # a crafted role field is never read
    with app.app_context():
        joined = db.session.scalar(db.select(User).where(User.email == "door@example.org"))
        assert joined is not None and joined.role is DOOR and joined.active
    assert newcomer.get("/").headers["Location"] == "/door"
    assert newcomer.get("/door").status_code == 200
    assert newcomer.get("/inbox").status_code == 403


def test_an_invite_link_opens_once(app: Flask, user: FlaskClient) -> None:
    path = invite_link(user, "once@example.org", "viewer")
    join(app, path)
    again = app.test_client().post(path, data={"password": "x" * 12, "confirm": "x" * 12})
    assert again.status_code == 404
    assert "not valid any more" in again.get_data(as_text=True)


def test_an_expired_invite_link_is_refused(app: Flask, user: FlaskClient) -> None:
    path = invite_link(user, "late@example.org", "organiser")
    with app.app_context():
        invite = db.session.scalar(db.select(Invite))
        assert invite is not None
        invite.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert app.test_client().get(path).status_code == 404
    join(app, path)
    with app.app_context():
        assert team.members()[-1].email != "late@example.org"
        assert db.session.scalar(db.select(User).where(User.email == "late@example.org")) is None


def test_a_revoked_or_unknown_link_is_refused(app: Flask, user: FlaskClient) -> None:
    path = invite_link(user, "revoked@example.org", "viewer")
    user.post("/team/invites/1/revoke")
    assert app.test_client().get(path).status_code == 404
    assert app.test_client().get("/invite/guessed").status_code == 404


def test_inviting_refuses_a_bad_role_and_a_member(user: FlaskClient, admin_id: int) -> None:
    assert (
        user.post("/team/invites", data={"email": "x@example.org", "role": "god"}).status_code
        == 400
    )
    member = user.post("/team/invites", data={"email": ADMIN_EMAIL, "role": "viewer"})
    assert member.status_code == 400
    assert "in the team already" in member.get_data(as_text=True)


def test_the_last_owner_stays_an_owner(app: Flask, user: FlaskClient, admin_id: int) -> None:
    user.post(f"/team/users/{admin_id}/role", data={"role": "viewer"})
    user.post(f"/team/users/{admin_id}/remove")
    with app.app_context():
        admin = db.session.get(User, admin_id)
        assert admin is not None and admin.role is OWNER and admin.active
    other = add_member(app, "second@example.org", OWNER)
    user.post(f"/team/users/{other}/role", data={"role": "organiser"})
    with app.app_context():
        assert db.session.get(User, other).role is ORGANISER  # type: ignore[union-attr]


def test_a_removed_user_is_signed_out_and_their_tokens_die_at_once(
    app: Flask, user: FlaskClient
) -> None:
    member_id = add_member(app, "leaving@example.org", ORGANISER)
    member = app.test_client()
    sign_in_session(member, member_id)
    assert member.get("/inbox").status_code == 200
    with app.app_context():
        leaving = db.session.get(User, member_id)
        assert leaving is not None
        secret = tokens.create(leaving, "sync", False).secret
    api = app.test_client()
    assert (
        api.get("/api/v1/events", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    )
    assert user.post(f"/team/users/{member_id}/remove").status_code == 302
    assert member.get("/inbox").status_code == 302  # to the sign-in page
    gone = api.get("/api/v1/events", headers={"Authorization": f"Bearer {secret}"})
    assert gone.status_code == 401


def test_a_role_change_applies_at_once(app: Flask, user: FlaskClient) -> None:
    member_id = add_member(app, "moving@example.org", ORGANISER)
    member = app.test_client()
    sign_in_session(member, member_id)
    assert member.post("/events", data={}).status_code != 403
    user.post(f"/team/users/{member_id}/role", data={"role": "viewer"})
    assert member.post("/events", data={}).status_code == 403
    assert member.get("/").status_code == 200


def test_an_organiser_cannot_raise_their_own_role(app: Flask) -> None:
    member_id = add_member(app, "climber@example.org", ORGANISER)
    add_member(app, "owner@example.org", OWNER)
    member = app.test_client()
    sign_in_session(member, member_id)
    assert member.post(f"/team/users/{member_id}/role", data={"role": "owner"}).status_code == 403
    assert (
        member.post("/team/invites", data={"email": "me2@example.org", "role": "owner"}).status_code
        == 403
    )
    made = member.post("/account/tokens", data={"name": "mine", "role": "owner"})
    assert made.status_code == 201
    secret = re.search(r'value="(wit_[^"]+)"', made.get_data(as_text=True))
    assert secret
    forbidden = app.test_client().get(
        "/api/v1/audit", headers={"Authorization": f"Bearer {secret.group(1)}"}
    )
    assert forbidden.status_code == 403
    assert forbidden.get_json()["error"] == "forbidden"
    with app.app_context():
        assert db.session.get(User, member_id).role is ORGANISER  # type: ignore[union-attr]


def test_admin_email_stays_the_first_owner(client: FlaskClient, app: Flask) -> None:
    with app.app_context():
        users.ensure_admin("boss@example.org", "a long password")
        boss = users.find_by_email("boss@example.org")
        assert boss is not None and boss.role is OWNER
    assert client.get("/api/v1/audit", headers=API_AUTH).status_code == 200
