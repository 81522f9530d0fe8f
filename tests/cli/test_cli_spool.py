"""`flask spool` and `flask spool replay`: webhooks kept in Redis during a database outage."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskCliRunner

from app.extensions import redis_store
from app.services.webhook_spool import DEAD_KEY, Endpoint, spool
from tests.support.database import scalar
from tests.support.factories import seed
from tests.support.webhooks import inbound_form

PHONE = "+12025550142"


def test_spool_shows_waiting_webhooks_and_replay_applies_them(
    app: Flask, runner: FlaskCliRunner
) -> None:
    seed(app, PHONE)
    form = inbound_form(PHONE, "yes")
    with app.app_context():
        spool(Endpoint.INBOUND, list(form.items()), datetime.now(UTC) - timedelta(minutes=5))

    result = runner.invoke(args=["spool"])
    assert result.exit_code == 1
    assert result.output.startswith("waiting: 1 (oldest received 5 min ago)")
    data = json.loads(runner.invoke(args=["spool", "--json"]).output)
    assert data["waiting"] == 1 and data["dead"] == 0 and data["oldest_age_seconds"] >= 300

    result = runner.invoke(args=["spool", "replay"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "replayed 1; 0 still waiting, 0 dead"
    sid = form["MessageSid"]
    assert scalar(app, "SELECT count(*) FROM inbound_messages WHERE message_sid = :s", s=sid) == 1
    assert runner.invoke(args=["spool"]).exit_code == 0


def test_dead_items_are_shown_and_can_be_put_back(app: Flask, runner: FlaskCliRunner) -> None:
    with app.app_context():
        redis_store.connection.rpush(DEAD_KEY, "not a spooled webhook")

    result = runner.invoke(args=["spool"])
    assert result.exit_code == 1
    assert "dead: 1" in result.output

    result = runner.invoke(args=["spool", "replay", "--dead"])
    assert result.exit_code == 0, result.output
    # Put back, tried again, and parked again: it still cannot be applied.
    assert result.output.splitlines() == [
        "1 dead items put back in the spool",
        "replayed 1; 0 still waiting, 1 dead",
    ]
