"""`GET /api/v1/events/<id>/campaigns`: every progress, in a bounded number of queries."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from app.models import CampaignState, DeliveryStatus, SendState
from app.sending.twilio_errors import reason_for
from tests.support.constants import API_AUTH
from tests.support.database import sql_statements
from tests.support.factories import make_campaign

ACCEPTED = {"send_state": SendState.ACCEPTED, "delivery_status": DeliveryStatus.DELIVERED}
PENDING = {"send_state": SendState.PENDING}


def failed(code: int | None, reason: str | None = None) -> dict[str, Any]:
    return {"send_state": SendState.FAILED, "error_code": code, "error_reason": reason}


def add_campaigns(app: Flask, event_id: int, count: int) -> None:
    """Campaigns in every state, with failures of several codes (and one without a code)."""
    states = list(CampaignState)
    for n in range(count):
        make_campaign(
            app,
            event_id,
            [ACCEPTED, PENDING, failed(63024, "Not a WhatsApp user"), failed(63016), failed(None)]
            + [failed(21211, "Invalid number")] * (n % 3),
            state=states[n % len(states)],
        )


def listed(app: Flask, client: FlaskClient, event_id: int) -> tuple[list[dict[str, Any]], int]:
    """The campaigns listed, and how many SQL statements the request ran."""
    with sql_statements(app) as statements:
        response = client.get(f"/api/v1/events/{event_id}/campaigns", headers=API_AUTH)
    assert response.status_code == 200
    return response.get_json()["campaigns"], len(statements)


def test_listing_reads_progress_in_a_fixed_number_of_queries(
    app: Flask, client: FlaskClient, event_id: int
) -> None:
    add_campaigns(app, event_id, 2)
    few, queries_for_two = listed(app, client, event_id)
    add_campaigns(app, event_id, 6)
    many, queries_for_eight = listed(app, client, event_id)
    assert (len(few), len(many)) == (2, 8)
    assert queries_for_eight == queries_for_two <= 5


def test_listing_says_what_each_campaign_says(
    app: Flask, client: FlaskClient, event_id: int
) -> None:
    add_campaigns(app, event_id, 4)
    campaigns, _ = listed(app, client, event_id)
    assert [c["id"] for c in campaigns] == [4, 3, 2, 1]  # newest first
    for campaign in campaigns:
        alone = client.get(f"/api/v1/campaigns/{campaign['id']}", headers=API_AUTH).get_json()
        assert campaign == alone
    newest = campaigns[0]
    assert (newest["accepted"], newest["pending"], newest["failed"]) == (1, 1, 3 + 3 % 3)
    assert newest["delivery"]["delivered"] == 1
    # Most frequent first; the recorded reason, else the code's own, else none.
    assert campaigns[1]["errors"] == [
        {"code": 21211, "reason": "Invalid number", "count": 2},
        {"code": None, "reason": None, "count": 1},
        {"code": 63016, "reason": reason_for(63016), "count": 1},
        {"code": 63024, "reason": "Not a WhatsApp user", "count": 1},
    ]


def test_an_event_without_campaigns_lists_none(client: FlaskClient, event_id: int) -> None:
    response = client.get(f"/api/v1/events/{event_id}/campaigns", headers=API_AUTH)
    assert response.get_json() == {"campaigns": []}
