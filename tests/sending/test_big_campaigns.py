"""Campaigns past 10,000 guests: claims bounded by their batch, through real processes.

A claim used to take an advisory lock per due row its plan visited: past ~15,000 guests
(once the planner chose a scan and a sort) PostgreSQL ran out of lock memory and nothing
was ever sent. These tests run at 16,000 and 100,000 guests, right after a bulk import
(no ANALYZE: the statistics the planner would need do not exist yet).
"""

from __future__ import annotations

import time

import pytest
from flask import Flask
from sqlalchemy import Engine, text

from app.models.enums import states_text
from app.sending import claims
from app.sending.sender import claim_ahead
from app.services import campaigns
from tests.support.constants import SENDER
from tests.support.factories import insert_guests, phone
from tests.support.polling import eventually
from tests.support.sending import CampaignStack, assert_exactly_once

pytestmark = pytest.mark.slow

BULK = 100_000
# The largest batch a drain claims, at 400 messages/s.
BATCH = claim_ahead(400)


def explain_pick(connection: object) -> str:
    """The plan of the claim's PICK statement, under the claim's own plan settings."""
    connection.execute(claims.INDEX_ONLY_PLANS)  # type: ignore[attr-defined]
    sql = "EXPLAIN " + claims.PICK.text.replace(":limit", str(BATCH))
    return "\n".join(connection.execute(states_text(sql)).scalars())  # type: ignore[attr-defined]


def test_a_claim_locks_only_the_rows_it_returns_right_after_a_bulk_import(
    send_app: Flask, engine: Engine, send_env: dict[str, str]
) -> None:
    campaigns.create_campaign(insert_guests(send_env["DATABASE_URL"], BULK))
    for analyzed in (False, True):
        if analyzed:
            with engine.connect() as connection:
                connection.execute(text("ANALYZE invitations"))
                connection.commit()
        with engine.begin() as connection:
            plan = explain_pick(connection)
            # The LIMIT sits on an ordered index scan: no sort of every due row, ever.
            assert "Index Scan using ix_invitations_due" in plan, plan
            assert "Sort" not in plan.split("CTE due")[1].split("->  Nested Loop")[0], plan
            connection.rollback()
        with engine.begin() as connection:
            batch = claims.claim_due(connection, f"worker-{analyzed}", SENDER, BATCH, 30)
            locks = connection.execute(
                text(
                    "SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid() "
                    "AND locktype = 'advisory'"
                )
            ).scalar_one()
        assert len(batch.claims) == BATCH
        assert locks <= BATCH


def test_100000_guests_start_sending_right_after_a_bulk_import(
    stack: CampaignStack, engine: Engine
) -> None:
    event_id = insert_guests(stack.env["DATABASE_URL"], BULK)
    body = stack.api("POST", f"/events/{event_id}/campaigns", expect=201)
    assert body["total"] == body["pending"] == BULK
    worker = stack.start_worker()

    stack.wait_sent(3000, timeout=60)

    canceled = stack.api("POST", f"/campaigns/{body['id']}/cancel")
    assert canceled["canceled_now"] > BULK - 10_000
    assert "claim failed" not in worker.tail(400), worker.tail(40)
    assert all(n == 1 for n in stack.emulator.counts().values())


def test_16000_guests_imported_through_the_api_each_get_one_invitation(
    stack: CampaignStack, engine: Engine
) -> None:
    guests = 16_000
    event = stack.api_json("POST", "/events", {"name": "Big night"}, expect=201)
    rows = "".join(f"Guest {i},{phone(i)}\n" for i in range(guests))
    imported = stack.http.post(
        f"{stack.web_url}/api/v1/events/{event['id']}/guests",
        data=("name,phone\n" + rows).encode(),
        headers={"Content-Type": "text/csv"},
        timeout=120,
    )
    assert imported.status_code == 200, imported.text
    assert imported.json()["imported"] == guests
    campaign = stack.api("POST", f"/events/{event['id']}/campaigns", expect=201)
    stack.start_worker({"SEND_RATE_PER_SECOND": "1000", "SEND_MAX_IN_FLIGHT": "300"})

    done = stack.wait_state(campaign["id"], "completed", timeout=240)

    assert done["accepted"] == guests
    assert_exactly_once(engine, stack.emulator, event["id"], guests)


def test_a_stuck_campaign_shows_on_ready_and_metrics_until_it_moves(
    stack: CampaignStack, engine: Engine
) -> None:
    event_id = insert_guests(stack.env["DATABASE_URL"], 200)
    campaign_id = stack.api("POST", f"/events/{event_id}/campaigns", expect=201)["id"]
    # Another transaction holds every invitation: claims skip them, nothing can be sent.
    with engine.connect() as blocker:
        blocker.execute(text("SELECT id FROM invitations FOR UPDATE")).all()
        stack.start_worker()
        time.sleep(1)
        with engine.begin() as connection:
            connection.execute(
                text("UPDATE campaigns SET progressed_at = now() - interval '2 minutes'")
            )

        def stuck() -> bool:
            checks = stack.http.get(f"{stack.web_url}/ready", timeout=10).json()["checks"]
            return not checks["sending"]["ok"]

        assert eventually(stuck, 20, interval=0.5)
        ready = stack.http.get(f"{stack.web_url}/ready", timeout=10)
        assert ready.status_code == 503
        assert f"campaigns {campaign_id}:" in ready.json()["checks"]["sending"]["detail"]
        metrics = stack.http.get(f"{stack.web_url}/metrics", timeout=10).text
        assert "sending_campaigns_stuck 1.0" in metrics
        blocker.rollback()

    stack.wait_state(campaign_id, "completed")
    ready = stack.http.get(f"{stack.web_url}/ready", timeout=10).json()
    assert ready["checks"]["sending"] == {"ok": True, "detail": "ok"}
