"""Approval per event and for every kind of campaign that sends to guests, through the API.

An event's `approval_above` (null: the service's APPROVAL_ABOVE; 0: always) holds an
organiser's invitation, reminder, follow-up, update, cancellation, thank-you and missed-you
for an owner, scheduled or not; approving creates it once, a change since the submission
makes it stale, and only an owner sets the limit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine

from app.extensions import db
from app.models import UserRole
from app.models.base import utcnow
from tests.support.access import member_token
from tests.support.apps import fresh_app
from tests.support.constants import API_AUTH
from tests.support.database import execute, query, scalar
from tests.support.factories import insert_guests, invite_all

TEMPLATES = {
    f"TWILIO_{kind}_CONTENT_SID": "HX" + digit * 32
    for kind, digit in [
        ("REMINDER", "1"),
        ("FOLLOWUP", "2"),
        ("UPDATE", "3"),
        ("CANCELLATION", "4"),
        ("THANKS", "5"),
        ("MISSED", "6"),
    ]
}


@pytest.fixture
def app(send_env: dict[str, str]) -> Iterator[Flask]:
    """An app with a template for every kind, and no service-wide approval limit."""
    with fresh_app({**send_env, **TEMPLATES}) as app, app.app_context():
        yield app


@pytest.fixture
def engine(app: Flask) -> Engine:
    """The engine of `app`."""
    return db.engine


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """An API client (each request says who it is)."""
    return app.test_client()


@pytest.fixture
def organiser(app: Flask) -> dict[str, str]:
    """An organiser's token header."""
    return member_token(app, "ana@example.org", UserRole.ORGANISER)


@pytest.fixture
def owner(app: Flask) -> dict[str, str]:
    """An owner's token header."""
    return member_token(app, "olga@example.org", UserRole.OWNER)


def limit(client: FlaskClient, event_id: int, above: int | None) -> None:
    """Set the event's approval limit, as an owner."""
    body = {"approval_above": above}
    response = client.patch(f"/api/v1/events/{event_id}", json=body, headers=API_AUTH)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["approval_above"] == above


def check_in_all(engine: Engine, event_id: int) -> None:
    """Let every guest of the event in at the door."""
    execute(
        engine,
        "INSERT INTO checkins (event_id, guest_id, people, scanned_at)"
        " SELECT event_id, id, 1, now() FROM guests WHERE event_id = :e",
        e=event_id,
    )


def invitation(engine: Engine, client: FlaskClient) -> tuple[int, str, dict[str, Any]]:
    """An event of guests not invited yet, and the request that invites them."""
    return insert_guests(engine, 3), "campaigns", {}


def reminder(engine: Engine, client: FlaskClient) -> tuple[int, str, dict[str, Any]]:
    """Confirmed guests of an event in two days, and their reminder a day before."""
    event_id = insert_guests(engine, 3, starts_at=timedelta(days=2))
    invite_all(engine, event_id, ["confirmed"])
    return event_id, "reminders", {"hours_before": 24, "include_maybe": True}


def followup(engine: Engine, client: FlaskClient) -> tuple[int, str, dict[str, Any]]:
    """Guests who have not answered an invitation delivered four days ago."""
    event_id = insert_guests(engine, 3)
    invite_all(engine, event_id, [None], delivered_ago=timedelta(days=4))
    return event_id, "followups", {"after_days": 3}


def update(engine: Engine, client: FlaskClient) -> tuple[int, str, dict[str, Any]]:
    """Confirmed guests of an event whose venue an owner changed since."""
    event_id = insert_guests(engine, 3)
    invite_all(engine, event_id, ["confirmed"])
    venue = {"venue": "Rooftop"}
    assert client.patch(f"/api/v1/events/{event_id}", json=venue, headers=API_AUTH).status_code
    return event_id, "updates", {"include_maybe": False}


def cancellation(engine: Engine, client: FlaskClient) -> tuple[int, str, dict[str, Any]]:
    """Invited guests of an event about to be canceled."""
    event_id = insert_guests(engine, 3)
    invite_all(engine, event_id, ["confirmed"])
    return event_id, "cancel", {"notify": True}


def thanks(engine: Engine, client: FlaskClient) -> tuple[int, str, dict[str, Any]]:
    """Guests who came to an event that started three hours ago."""
    event_id = insert_guests(engine, 3, starts_at=timedelta(hours=-3))
    invite_all(engine, event_id, ["confirmed"])
    check_in_all(engine, event_id)
    return event_id, "thanks", {}


def missed(engine: Engine, client: FlaskClient) -> tuple[int, str, dict[str, Any]]:
    """Confirmed guests who did not come to an event that started three hours ago."""
    event_id = insert_guests(engine, 3, starts_at=timedelta(hours=-3))
    invite_all(engine, event_id, ["confirmed"])
    return event_id, "missed", {}


Setup = Callable[[Engine, FlaskClient], tuple[int, str, dict[str, Any]]]
KINDS: dict[str, Setup] = {
    "invitation": invitation,
    "reminder": reminder,
    "followup": followup,
    "update": update,
    "cancellation": cancellation,
    "thanks": thanks,
    "missed": missed,
}


def campaigns_of(engine: Engine, event_id: int, kind: str) -> list[Any]:
    """The event's campaigns of this kind: (id, state, send_at)."""
    return query(
        engine,
        "SELECT id, state, send_at FROM campaigns WHERE event_id = :e AND kind = :k ORDER BY id",
        e=event_id,
        k=kind,
    )


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_waits_for_an_owner_and_is_created_once(
    engine: Engine,
    client: FlaskClient,
    organiser: dict[str, str],
    owner: dict[str, str],
    kind: str,
) -> None:
    event_id, path, body = KINDS[kind](engine, client)
    limit(client, event_id, 2)
    answer = client.post(f"/api/v1/events/{event_id}/{path}", json=body, headers=organiser)
    assert answer.status_code == (200 if kind == "cancellation" else 202), answer.get_json()
    request = answer.get_json()["approval"]
    assert (request["kind"], request["state"], request["recipients"]) == (kind, "pending", 3)
    assert campaigns_of(engine, event_id, kind) == []
    if kind == "cancellation":  # the event is canceled at once: nothing else goes out
        assert scalar(engine, "SELECT canceled_at FROM events WHERE id = :e", e=event_id)
    if kind == "reminder":  # its time is shown to the owner
        assert request["send_at"] is not None and request["options"]["include_maybe"] is True

    def approve() -> int:
        path = f"/api/v1/approvals/{request['id']}/approve"
        return client.application.test_client().post(path, headers=owner).status_code

    with ThreadPoolExecutor(3) as pool:
        answers = sorted(pool.map(lambda _: approve(), range(3)))
    assert answers == [201, 409, 409]
    (created,) = campaigns_of(engine, event_id, kind)
    assert created.state == ("scheduled" if kind == "reminder" else "running")
    steps = query(
        engine,
        "SELECT actor, action, detail ->> 'kind' FROM audit_log"
        " WHERE action IN ('campaign.submit', 'campaign.approve') ORDER BY id",
    )
    assert [tuple(step) for step in steps] == [
        ("ana@example.org", "campaign.submit", kind),
        ("olga@example.org", "campaign.approve", kind),
    ]


def test_a_scheduled_one_is_approved_for_its_time(
    engine: Engine, client: FlaskClient, organiser: dict[str, str]
) -> None:
    event_id = insert_guests(engine, 3)
    limit(client, event_id, 0)
    send_at = (utcnow() + timedelta(hours=5)).replace(microsecond=0)
    body = {"send_at": send_at.isoformat()}
    answer = client.post(f"/api/v1/events/{event_id}/campaigns", json=body, headers=organiser)
    assert answer.status_code == 202
    approval_id = answer.get_json()["approval"]["id"]
    approved = client.post(f"/api/v1/approvals/{approval_id}/approve", headers=API_AUTH)
    assert approved.status_code == 201
    assert campaigns_of(engine, event_id, "invitation") == [
        (approved.get_json()["id"], "scheduled", send_at)
    ]


@pytest.mark.parametrize("kind", ["reminder", "thanks"])
def test_a_change_since_the_submission_is_refused(
    engine: Engine, client: FlaskClient, organiser: dict[str, str], kind: str
) -> None:
    event_id, path, body = KINDS[kind](engine, client)
    limit(client, event_id, 0)
    answer = client.post(f"/api/v1/events/{event_id}/{path}", json=body, headers=organiser)
    approval_id = answer.get_json()["approval"]["id"]
    client.patch(f"/api/v1/events/{event_id}", json={"venue": "Cellar"}, headers=API_AUTH)
    stale = client.post(f"/api/v1/approvals/{approval_id}/approve", headers=API_AUTH)
    assert stale.status_code == 409 and "submit again" in stale.get_json()["message"]
    assert scalar(engine, "SELECT state FROM approvals WHERE id = :a", a=approval_id) == "stale"
    assert campaigns_of(engine, event_id, kind) == []
    again = client.post(f"/api/v1/events/{event_id}/{path}", json=body, headers=organiser)
    assert again.status_code == 202  # submitted again, it waits again


def test_the_event_setting_overrides_the_service_one(
    send_env: dict[str, str], migrated: dict[str, str]
) -> None:
    with fresh_app({**send_env, **TEMPLATES, "APPROVAL_ABOVE": "2"}) as app, app.app_context():
        client = app.test_client()
        organiser = member_token(app, "ana@example.org", UserRole.ORGANISER)

        def send(event_id: int) -> int:
            path = f"/api/v1/events/{event_id}/campaigns"
            return client.post(path, headers=organiser).status_code

        service_default = insert_guests(db.engine, 3)
        assert send(service_default) == 202  # 3 > APPROVAL_ABOVE=2
        higher = insert_guests(db.engine, 3, start=10)
        limit(client, higher, 10)
        assert send(higher) == 201
        always = insert_guests(db.engine, 1, start=20)
        limit(client, always, 0)
        assert send(always) == 202  # 0: always, even for one guest
        owners = insert_guests(db.engine, 3, start=30)
        limit(client, owners, 0)
        reminder_body = {"hours_before": 1}
        path = f"/api/v1/events/{owners}/campaigns"
        assert client.post(path, headers=API_AUTH).status_code == 201  # owners never wait
        path = f"/api/v1/events/{owners}/reminders"
        assert client.post(path, json=reminder_body, headers=API_AUTH).status_code in (201, 409)


def test_only_an_owner_sets_the_limit(
    engine: Engine, client: FlaskClient, organiser: dict[str, str], owner: dict[str, str]
) -> None:
    event_id = insert_guests(engine, 3)
    limit(client, event_id, 5)
    lifted = client.patch(
        f"/api/v1/events/{event_id}", json={"approval_above": None}, headers=organiser
    )
    assert lifted.status_code == 403 and lifted.get_json()["error"] == "forbidden"
    raised = client.patch(
        f"/api/v1/events/{event_id}", json={"approval_above": 99, "venue": "X"}, headers=organiser
    )
    assert raised.status_code == 403
    assert scalar(engine, "SELECT approval_above FROM events WHERE id = :e", e=event_id) == 5
    assert scalar(engine, "SELECT venue FROM events WHERE id = :e", e=event_id) == "Hall"
    same = client.patch(
        f"/api/v1/events/{event_id}",
        json={"approval_above": 5, "name": "Gala 2"},
        headers=organiser,
    )
    assert same.status_code == 200  # a body read back and sent again changes nothing of it
    created = client.post(
        "/api/v1/events", json={"name": "Mine", "approval_above": 1000}, headers=organiser
    )
    assert created.status_code == 403
    assert scalar(engine, "SELECT count(*) FROM events WHERE name = 'Mine'") == 0
    for bad in (-1, 1.5, "10", True, 2_000_000):
        answer = client.patch(
            f"/api/v1/events/{event_id}", json={"approval_above": bad}, headers=owner
        )
        assert answer.status_code == 400, bad
    assert client.get(f"/api/v1/events/{event_id}", headers=owner).get_json()["approval_above"] == 5


def test_an_edit_that_tells_the_guests_waits_too(
    engine: Engine, client: FlaskClient, organiser: dict[str, str]
) -> None:
    event_id = insert_guests(engine, 3)
    invite_all(engine, event_id, ["confirmed"])
    limit(client, event_id, 0)
    body = {"venue": "Rooftop", "notify": True}
    edited = client.patch(f"/api/v1/events/{event_id}", json=body, headers=organiser)
    assert edited.status_code == 200, edited.get_json()
    assert edited.get_json()["venue"] == "Rooftop"  # the edit itself is not held
    waiting = edited.get_json()["update"]["approval"]
    assert (waiting["kind"], waiting["recipients"]) == ("update", 3)
    assert campaigns_of(engine, event_id, "update") == []
    approved = client.post(f"/api/v1/approvals/{waiting['id']}/approve", headers=API_AUTH)
    assert approved.status_code == 201 and approved.get_json()["kind"] == "update"


def test_an_organisers_two_saves_at_once_below_the_limit_are_two_rounds(
    app: Flask, engine: Engine, organiser: dict[str, str]
) -> None:
    event_id = insert_guests(engine, 3)
    invite_all(engine, event_id, ["confirmed"])
    limit(app.test_client(), event_id, 10)  # 3 guests: no owner needed
    gate = threading.Barrier(2)

    def save(venue: str) -> dict[str, Any]:
        gate.wait()  # both at once: each edits, then tells, under the event's lock
        answer = app.test_client().patch(
            f"/api/v1/events/{event_id}", json={"venue": venue, "notify": True}, headers=organiser
        )
        assert answer.status_code == 200, answer.get_json()
        update: dict[str, Any] = answer.get_json()["update"]
        return update

    with ThreadPoolExecutor(2) as pool:
        updates = list(pool.map(save, ("Rooftop", "Cellar")))

    assert all(update["created"] for update in updates), updates
    assert sorted(update["round"] for update in updates) == [1, 2]
