"""Approval before sending with real processes (gunicorn, a worker, the emulator): an
organiser submits a 5,000-guest campaign, nothing starts, an owner approves (twice at once),
it runs once; the audit trail shows each step with who and when."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from flask import Flask
from sqlalchemy import Engine, text

from app.extensions import db
from app.models import User, UserRole
from app.services import tokens
from tests.support.access import add_member
from tests.support.factories import insert_guests
from tests.support.sending import CampaignStack, assert_exactly_once

pytestmark = pytest.mark.slow

GUESTS = 5000


@pytest.fixture(scope="module")
def web_extra_env() -> dict[str, str]:
    """An organiser's campaign to more than 1,000 guests waits for an owner."""
    return {"APPROVAL_ABOVE": "1000"}


def bearer(app: Flask, email: str, role: UserRole) -> dict[str, str]:
    """The header of a new member's token."""
    user_id = add_member(app, email, role)
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        return {"Authorization": f"Bearer {tokens.create(user, 'ops', False).secret}"}


def test_a_submitted_campaign_waits_then_runs_once_when_approved(
    stack: CampaignStack, engine: Engine, send_app: Flask
) -> None:
    organiser = bearer(send_app, "ana@example.org", UserRole.ORGANISER)
    owner = bearer(send_app, "olga@example.org", UserRole.OWNER)
    event_id = insert_guests(stack.env["DATABASE_URL"], GUESTS)
    api = f"{stack.web_url}/api/v1"
    submitted = requests.post(f"{api}/events/{event_id}/campaigns", headers=organiser, timeout=30)
    assert submitted.status_code == 202, submitted.text
    approval_id = submitted.json()["approval"]["id"]
    stack.start_worker()
    time.sleep(3)  # a sweep or two: nothing may start
    assert stack.sent() == 0
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM campaigns")).scalar() == 0

    def approve() -> requests.Response:
        return requests.post(f"{api}/approvals/{approval_id}/approve", headers=owner, timeout=60)

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: approve(), range(2)))
    assert sorted(answer.status_code for answer in answers) == [201, 409]
    campaign_id = next(a.json()["id"] for a in answers if a.status_code == 201)
    done = stack.wait_state(campaign_id, "completed")
    assert done["accepted"] == GUESTS
    assert_exactly_once(engine, stack.emulator, event_id, GUESTS)
    with engine.connect() as connection:
        steps = connection.execute(
            text(
                "SELECT actor, action, at FROM audit_log WHERE action LIKE 'campaign.%' ORDER BY id"
            )
        ).all()
    assert [(s.actor, s.action) for s in steps] == [
        ("ana@example.org", "campaign.submit"),
        ("olga@example.org", "campaign.approve"),
    ]
    assert steps[0].at <= steps[1].at
