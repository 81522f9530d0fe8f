"""`flask campaigns` and `flask campaigns pause|resume|cancel ID`, on real PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskCliRunner

from app.extensions import db
from app.models import Campaign, CampaignState, SendState
from tests.support.factories import make_campaign, make_event

PENDING = {"send_state": SendState.PENDING}
ACCEPTED = {"send_state": SendState.ACCEPTED}


def state_of(app: Flask, campaign_id: int) -> str:
    """The campaign's state as stored."""
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        assert campaign is not None
        return campaign.state.value


def test_campaigns_lists_running_and_paused_with_counts_rate_and_time_left(
    app: Flask, runner: FlaskCliRunner
) -> None:
    event_id = make_event(app)
    just_now = {**ACCEPTED, "accepted_at": datetime.now(UTC) - timedelta(seconds=5)}
    running = make_campaign(app, event_id, [PENDING] * 160 + [just_now] * 40)
    done = make_campaign(app, event_id, [ACCEPTED], state=CampaignState.COMPLETED)
    later = make_campaign(app, event_id, [], state=CampaignState.SCHEDULED)

    result = runner.invoke(args=["campaigns"])
    assert result.exit_code == 0, result.output
    header, scheduled, row = result.output.splitlines()
    assert header.split() == [
        "id", "event", "kind", "state", "total", "pending", "sending", "accepted", "failed",
        "done", "rate", "left",
    ]  # fmt: skip
    assert scheduled.split()[:4] == [str(later), str(event_id), "invitation", "scheduled"]
    # 160 pending at the pace observed (40 accepted in the last minute): 240 s, 4 min left.
    assert row.split() == [str(running), str(event_id), "invitation", "running", "200", "160",
                           "0", "40", "0", "20.0%", "80/s", "4", "min"]  # fmt: skip

    data = json.loads(runner.invoke(args=["campaigns", "--all", "--json"]).output)
    assert [c["id"] for c in data["campaigns"]] == [later, done, running]
    assert data["campaigns"][2]["seconds_left"] == 240


def test_pause_resume_and_cancel_go_through_the_campaign_service(
    app: Flask, runner: FlaskCliRunner
) -> None:
    campaign_id = make_campaign(app, make_event(app), [PENDING] * 3)

    result = runner.invoke(args=["campaigns", "pause", str(campaign_id)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"campaign {campaign_id} paused"
    assert state_of(app, campaign_id) == "paused"

    again = runner.invoke(args=["campaigns", "pause", str(campaign_id)])
    assert again.exit_code == 1
    assert "cannot pause a paused campaign" in again.output
    assert state_of(app, campaign_id) == "paused"

    assert runner.invoke(args=["campaigns", "resume", str(campaign_id)]).exit_code == 0
    assert state_of(app, campaign_id) == "running"

    result = runner.invoke(args=["campaigns", "cancel", str(campaign_id)])
    assert result.exit_code == 0, result.output
    assert "3 invitations will not be sent" in result.output
    assert state_of(app, campaign_id) == "canceled"


def test_bad_campaign_ids_are_refused_clearly(app: Flask, runner: FlaskCliRunner) -> None:
    missing = runner.invoke(args=["campaigns", "resume", "4242"])
    assert missing.exit_code == 1
    assert "campaign 4242 not found" in missing.output
    for bad in ("0", "abc", "-3"):
        result = runner.invoke(args=["campaigns", "cancel", bad])
        assert result.exit_code == 2, (bad, result.output)
