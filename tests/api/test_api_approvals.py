"""Approval before sending: an organiser's campaign above APPROVAL_ABOVE waits for an owner,
who sees it and approves it (created once, whatever the clicks) or rejects it; a request
whose event or guests changed since is refused; every step is in the audit trail."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import User, UserRole
from app.services import tokens
from tests.support.access import add_member
from tests.support.apps import fresh_app
from tests.support.constants import API_AUTH
from tests.support.database import query, scalar


@pytest.fixture
def gated(migrated: dict[str, str]) -> Iterator[Flask]:
    """An app where an organiser's campaign to more than 2 guests needs approval."""
    with fresh_app({**migrated, "APPROVAL_ABOVE": "2"}) as app:
        yield app


def token(app: Flask, email: str, role: UserRole) -> dict[str, str]:
    """The header of a new token of a new member."""
    user_id = add_member(app, email, role)
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        return {"Authorization": f"Bearer {tokens.create(user, 'ci', False).secret}"}


def event_with(client: FlaskClient, guests: int) -> int:
    """An event with this many guests, through the API."""
    event_id: int = client.post(
        "/api/v1/events", json={"name": "Gala"}, headers=API_AUTH
    ).get_json()["id"]
    rows = [{"name": f"Guest {n}", "phone": f"+1415555{n:04d}"} for n in range(guests)]
    client.post(f"/api/v1/events/{event_id}/guests", json={"guests": rows}, headers=API_AUTH)
    return event_id


def test_a_big_campaign_waits_then_runs_once_when_approved(gated: Flask) -> None:
    client = gated.test_client()
    organiser = token(gated, "ana@example.org", UserRole.ORGANISER)
    owner = token(gated, "olga@example.org", UserRole.OWNER)
    event_id = event_with(client, 3)
    submitted = client.post(f"/api/v1/events/{event_id}/campaigns", headers=organiser)
    assert submitted.status_code == 202, submitted.get_json()
    approval = submitted.get_json()["approval"]
    assert (approval["state"], approval["recipients"]) == ("pending", 3)
    assert submitted.headers["Location"] == f"/api/v1/approvals/{approval['id']}"
    assert scalar(gated, "SELECT count(*) FROM campaigns") == 0
    shown = client.get(f"/api/v1/approvals/{approval['id']}", headers=organiser).get_json()
    assert [guest["name"] for guest in shown["sample"]] == ["Guest 0", "Guest 1", "Guest 2"]
    refused = client.post(f"/api/v1/approvals/{approval['id']}/approve", headers=organiser)
    assert refused.status_code == 403 and refused.get_json()["error"] == "forbidden"

    def approve() -> int:
        path = f"/api/v1/approvals/{approval['id']}/approve"
        return gated.test_client().post(path, json={"note": "go"}, headers=owner).status_code

    with ThreadPoolExecutor(4) as pool:
        answers = sorted(pool.map(lambda _: approve(), range(4)))
    assert answers == [201, 409, 409, 409]
    assert scalar(gated, "SELECT count(*) FROM campaigns") == 1
    decided = client.get(f"/api/v1/approvals/{approval['id']}", headers=owner).get_json()
    assert decided["state"] == "approved" and decided["note"] == "go"
    assert decided["campaign_id"] == scalar(gated, "SELECT id FROM campaigns")
    steps = query(
        gated,
        "SELECT actor, action FROM audit_log WHERE action LIKE 'campaign.%' ORDER BY id",
    )
    assert [tuple(step) for step in steps] == [
        ("ana@example.org", "campaign.submit"),
        ("olga@example.org", "campaign.approve"),
    ]


def test_small_campaigns_and_owners_need_no_approval(gated: Flask) -> None:
    client = gated.test_client()
    organiser = token(gated, "ana@example.org", UserRole.ORGANISER)
    small = event_with(client, 2)
    assert client.post(f"/api/v1/events/{small}/campaigns", headers=organiser).status_code == 201
    big = event_with(client, 3)
    assert client.post(f"/api/v1/events/{big}/campaigns", headers=API_AUTH).status_code == 201


def test_a_changed_guest_list_makes_the_request_stale(gated: Flask) -> None:
    client = gated.test_client()
    organiser = token(gated, "ana@example.org", UserRole.ORGANISER)
    event_id = event_with(client, 3)
    approval_id = client.post(f"/api/v1/events/{event_id}/campaigns", headers=organiser).get_json()[
        "approval"
    ]["id"]
    more = [{"name": "Late", "phone": "+14155559999"}]
    client.post(f"/api/v1/events/{event_id}/guests", json={"guests": more}, headers=API_AUTH)
    stale = client.post(f"/api/v1/approvals/{approval_id}/approve", headers=API_AUTH)
    assert stale.status_code == 409
    assert "submit again" in stale.get_json()["message"]
    assert scalar(gated, "SELECT state FROM approvals") == "stale"
    assert scalar(gated, "SELECT count(*) FROM campaigns") == 0


def test_a_rejected_request_sends_nothing(gated: Flask) -> None:
    client = gated.test_client()
    organiser = token(gated, "ana@example.org", UserRole.ORGANISER)
    event_id = event_with(client, 3)
    approval_id = client.post(f"/api/v1/events/{event_id}/campaigns", headers=organiser).get_json()[
        "approval"
    ]["id"]
    rejected = client.post(
        f"/api/v1/approvals/{approval_id}/reject",
        json={"note": "not before Friday"},
        headers=API_AUTH,
    )
    assert rejected.get_json()["state"] == "rejected"
    assert rejected.get_json()["note"] == "not before Friday"
    assert (
        client.post(f"/api/v1/approvals/{approval_id}/approve", headers=API_AUTH).status_code == 409
    )
    pending = client.get("/api/v1/approvals?state=pending", headers=API_AUTH).get_json()
    assert pending["approvals"] == []
    assert scalar(gated, "SELECT count(*) FROM campaigns") == 0


def test_without_the_setting_nothing_waits(app: Flask, client: FlaskClient) -> None:
    organiser = token(app, "ana@example.org", UserRole.ORGANISER)
    event_id = event_with(client, 3)
    assert client.post(f"/api/v1/events/{event_id}/campaigns", headers=organiser).status_code == 201
