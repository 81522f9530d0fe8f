"""The campaign API: pre-flight numbers, creation, progress counts, transitions, single sends."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, text

from app.models import CampaignState, SendState
from app.models.base import utcnow
from app.sending import lifecycle
from tests.support.constants import API_AUTH
from tests.support.factories import (
    insert_guests,
    invite,
    make_event,
    make_guests,
    make_opt_out,
    phone,
)


@pytest.fixture
def client(send_app: Flask) -> Iterator[FlaskClient]:
    """A test client of the app pointed at the emulator (no worker runs)."""
    with send_app.app_context():
        yield send_app.test_client()


def sql(engine: Engine, statement: str, **params: object) -> None:
    """Run one statement."""
    with engine.begin() as connection:
        connection.execute(text(statement), params)


def mixed_event(app: Flask) -> int:
    """10 guests: 2 opted out, 1 unreachable, 2 invited, 1 canceled before sending."""
    event_id = make_event(app, "Gala")
    make_guests(app, event_id, [("Guest 0", phone(0)), ("Guest 1", phone(1))])
    make_opt_out(app, phone(0))
    make_opt_out(app, phone(1), source="provider", keyword=None)
    make_guests(
        app, event_id, [("Guest 2", phone(2))], unreachable_code=63024, unreachable_reason="x"
    )
    invited = make_guests(app, event_id, [(f"Guest {n}", phone(n)) for n in range(3, 10)])
    for guest_id in invited[:2]:
        invite(app, guest_id, attempt_count=1, accepted_at=utcnow())
    invite(app, invited[2], send_state=SendState.CANCELED, attempt_count=1)
    return event_id


def test_preflight_counts_the_audience_and_checks_the_limits(
    client: FlaskClient, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    send_app = client.application
    monkeypatch.setitem(
        send_app.config, "SENDING", replace(send_app.config["SENDING"], daily_tier=6)
    )
    event_id = mixed_event(client.application)

    response = client.get(f"/api/v1/events/{event_id}/campaigns/preflight", headers=API_AUTH)

    assert response.status_code == 200
    plan = response.get_json()
    assert plan["recipients"] == 5  # 4 never invited + 1 whose invitation was canceled
    assert (plan["guests"], plan["already_invited"], plan["opted_out"], plan["unreachable"]) == (
        10,
        2,
        2,
        1,
    )
    assert plan["rate_per_second"] == 500 and plan["estimated_seconds"] == 0.0
    assert plan["fits_provider_queue"] is True and plan["provider_queue_seconds"] == 14400
    assert (plan["daily_tier"], plan["sent_last_24h"], plan["fits_daily_tier"]) == (6, 2, False)
    assert any("daily tier of 6" in warning for warning in plan["warnings"])


def test_a_long_campaign_does_not_fit_the_provider_queue(
    client: FlaskClient, engine: Engine, send_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    event_id = insert_guests(send_env["DATABASE_URL"], 30)
    send_app = client.application
    monkeypatch.setitem(
        send_app.config, "SENDING", replace(send_app.config["SENDING"], rate_per_second=0.002)
    )

    plan = client.get(f"/api/v1/events/{event_id}/campaigns/preflight", headers=API_AUTH).get_json()

    assert plan["estimated_seconds"] == 15000.0 and plan["fits_provider_queue"] is False


def test_creating_a_campaign_queues_its_invitations_and_wakes_a_worker(
    client: FlaskClient, engine: Engine, send_env: dict[str, str]
) -> None:
    event_id = mixed_event(client.application)

    response = client.post(f"/api/v1/events/{event_id}/campaigns", headers=API_AUTH)

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Location"] == f"/api/v1/campaigns/{body['id']}"
    assert (body["state"], body["total"], body["pending"], body["accepted"]) == ("running", 5, 5, 0)
    assert body["preflight"]["recipients"] == 5
    queue = redis.Redis.from_url(send_env["REDIS_URL"])
    assert queue.llen("rq:queue:send") == 1 and queue.exists("sending:wakeup")
    # Nothing is left to invite now.
    again = client.post(f"/api/v1/events/{event_id}/campaigns", headers=API_AUTH)
    assert again.status_code == 409 and "no guest" in again.get_json()["message"]


def test_progress_counts_every_state_and_delivery_status(
    client: FlaskClient, engine: Engine, send_env: dict[str, str]
) -> None:
    event_id = insert_guests(send_env["DATABASE_URL"], 6)
    campaign_id = client.post(f"/api/v1/events/{event_id}/campaigns", headers=API_AUTH).get_json()[
        "id"
    ]
    sql(
        engine,
        "UPDATE invitations SET send_state = "
        "(ARRAY['accepted','accepted','failed','failed','sending','pending'])[id], "
        "delivery_status = (ARRAY['delivered','read',NULL,NULL,NULL,NULL])[id], "
        "error_code = CASE WHEN id IN (3, 4) THEN 21211 END, "
        "error_reason = CASE WHEN id IN (3, 4) THEN 'The phone number is not valid' END",
    )

    body = client.get(f"/api/v1/campaigns/{campaign_id}", headers=API_AUTH).get_json()

    counts = {key: body[key] for key in ("pending", "sending", "accepted", "failed", "canceled")}
    assert counts == {"pending": 1, "sending": 1, "accepted": 2, "failed": 2, "canceled": 0}
    assert body["delivery"]["delivered"] == 1 and body["delivery"]["read"] == 1
    assert body["errors"] == [
        {"code": 21211, "reason": "The phone number is not valid", "count": 2}
    ]
    assert body["progress"] == pytest.approx(4 / 6, abs=1e-3)
    listed = client.get(f"/api/v1/events/{event_id}/campaigns", headers=API_AUTH).get_json()
    assert [c["id"] for c in listed["campaigns"]] == [campaign_id]


# Every organiser action (a move has its own tests) from every state a test can put a
# campaign in: the API does what the lifecycle's table says, 409 otherwise.
ACTIONS = [action for action, t in lifecycle.TRANSITIONS.items() if t.by_organiser]
STATES = [state for state in CampaignState if state is not CampaignState.SCHEDULED]


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", [action for action in ACTIONS if action != "move"])
def test_transitions(
    client: FlaskClient, engine: Engine, send_env: dict[str, str], state: CampaignState, action: str
) -> None:
    event_id = insert_guests(send_env["DATABASE_URL"], 3)
    campaign_id = client.post(f"/api/v1/events/{event_id}/campaigns", headers=API_AUTH).get_json()[
        "id"
    ]
    sql(engine, "UPDATE campaigns SET state = :s", s=state.value)

    response = client.post(f"/api/v1/campaigns/{campaign_id}/{action}", headers=API_AUTH)

    transition = lifecycle.TRANSITIONS[action]
    if state in transition.moves:
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["state"] == transition.moves[state].value
    else:
        assert response.status_code == 409
        assert response.get_json() == {
            "error": "Conflict",
            "message": f"cannot {transition.verb or action} a {state.value} campaign",
        }


def test_the_lifecycle_keeps_its_promises() -> None:
    moves = {(a, s): t for a, tr in lifecycle.TRANSITIONS.items() for s, t in tr.moves.items()}
    # Canceled is the end; completed comes back only to retry its failures.
    assert not [key for key in moves if key[1] is CampaignState.CANCELED]
    assert [key for key in moves if key[1] is CampaignState.COMPLETED] == [
        ("retry-failed", CampaignState.COMPLETED)
    ]
    # Only a start leaves a schedule for running, and only the engine starts and completes.
    assert [
        a
        for (a, s), t in moves.items()
        if s is CampaignState.SCHEDULED and t is CampaignState.RUNNING
    ] == ["start"]
    assert not lifecycle.TRANSITIONS["start"].by_organiser
    assert not lifecycle.TRANSITIONS["complete"].by_organiser
    # Nothing of a campaign that does not send is sent: its picked rows are parked.
    assert set(lifecycle.PARKED) == {
        state.value
        for state in CampaignState
        if state not in (CampaignState.RUNNING, CampaignState.COMPLETED)
    }
    assert lifecycle.controls(CampaignState.RUNNING, has_failures=True) == [
        "pause",
        "cancel",
        "retry-failed",
    ]
    assert lifecycle.controls(CampaignState.CANCELED, has_failures=True) == []


def test_cancel_withdraws_pending_invitations(
    client: FlaskClient, send_env: dict[str, str]
) -> None:
    event_id = insert_guests(send_env["DATABASE_URL"], 4)
    campaign_id = client.post(f"/api/v1/events/{event_id}/campaigns", headers=API_AUTH).get_json()[
        "id"
    ]

    body = client.post(f"/api/v1/campaigns/{campaign_id}/cancel", headers=API_AUTH).get_json()

    assert (body["canceled_now"], body["canceled"], body["pending"]) == (4, 4, 0)
    assert body["finished_at"] is not None


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/v1/events/999/campaigns"),
        ("GET", "/api/v1/events/999/campaigns"),
        ("GET", "/api/v1/events/999/campaigns/preflight"),
        ("GET", "/api/v1/campaigns/999"),
        ("POST", "/api/v1/campaigns/999/pause"),
        ("POST", "/api/v1/campaigns/999/resume"),
        ("POST", "/api/v1/campaigns/999/cancel"),
        ("POST", "/api/v1/campaigns/999/retry-failed"),
        ("POST", "/api/v1/guests/999/invitation"),
        ("GET", "/api/v1/campaigns/99999999999"),
    ],
)
def test_unknown_ids_are_404_json(client: FlaskClient, method: str, path: str) -> None:
    response = client.open(path, method=method, headers=API_AUTH)

    assert response.status_code == 404
    assert response.get_json()["error"] == "Not Found"


def test_the_api_needs_its_token(client: FlaskClient) -> None:
    assert client.post("/api/v1/events/1/campaigns").status_code == 401


def test_one_invitation_can_be_sent_alone(
    client: FlaskClient, engine: Engine, send_env: dict[str, str]
) -> None:
    insert_guests(send_env["DATABASE_URL"], 3)

    sent = client.post("/api/v1/guests/1/invitation", headers=API_AUTH)

    assert sent.status_code == 202
    assert sent.get_json() | {"id": 0} == {
        "id": 0,
        "guest_id": 1,
        "event_id": 1,
        "campaign_id": None,
        "send_state": "pending",
        "message_sid": None,
        "delivery_status": None,
        "error_code": None,
        "error_reason": None,
    }
    again = client.post("/api/v1/guests/1/invitation", headers=API_AUTH)
    assert again.status_code == 409 and "already pending" in again.get_json()["message"]
    sql(engine, "UPDATE invitations SET send_state = 'failed', error_code = 30008")
    assert client.post("/api/v1/guests/1/invitation", headers=API_AUTH).status_code == 202
    make_opt_out(client.application, phone(2))
    refused = client.post("/api/v1/guests/3/invitation", headers=API_AUTH)
    assert refused.status_code == 409 and "opted out" in refused.get_json()["message"]
