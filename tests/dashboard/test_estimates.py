"""Honest numbers: the pre-flight's duration (Little's law), time left, one percentage format."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import Invitation, SendState
from app.models.base import utcnow
from app.sending.settings import SendingSettings
from app.services import campaigns
from app.services.estimates import estimate, percent_text
from tests.support.factories import invite, make_attempts, make_campaign, make_event, make_guests


@pytest.mark.parametrize(
    ("rate", "cap", "latency", "throughput"),
    [
        (10.0, 200, None, 10.0),  # no measurement: the rate
        (10.0, 200, 0.5, 10.0),  # 200 in flight cover 0.5 s: the rate holds
        (80.0, 200, 5.0, 40.0),  # 200 / 5 s = 40/s: the cap limits it
    ],
)
def test_throughput_is_the_rate_capped_by_littles_law(
    app: Flask, rate: float, cap: int, latency: float | None, throughput: float
) -> None:
    sending: SendingSettings = app.config["SENDING"]
    result = estimate(replace(sending, rate_per_second=rate, max_in_flight=cap), latency)
    assert result.throughput_per_second == pytest.approx(throughput)
    assert result.seconds_for(400) == pytest.approx(400 / throughput + (latency or 0))
    assert result.seconds_for(0) == 0
    assert f"{rate:g} messages/s" in result.assumption
    with app.test_request_context():
        assert result.sentence == f"Duration {result.assumption}."


@pytest.mark.parametrize(
    ("part", "whole", "text"),
    [(0, 23, "0%"), (0, 0, "0%"), (1, 1000, "0.1%"), (1, 3, "33%"), (999, 1000, "99.9%"),
     (23, 23, "100%"), (1, 100_000, "0.1%")],
)  # fmt: skip
def test_one_percentage_format(part: int, whole: int, text: str) -> None:
    assert percent_text(part, whole) == text


def test_preflight_duration_counts_the_provider_latency(app: Flask, user: FlaskClient) -> None:
    event_id = make_event(app)
    make_guests(app, event_id, [(f"G{n}", f"+1202555{n:04d}") for n in range(100)])
    (old,) = make_guests(app, make_event(app, "Old"), [("Old", "+12025559999")])
    invitation_id = invite(app, old)
    now = utcnow()
    # The provider took 4 s per request lately.
    make_attempts(app, invitation_id, 3, started_at=now - timedelta(seconds=4), finished_at=now)
    sending = app.config["SENDING"]
    throughput = min(sending.rate_per_second, sending.max_in_flight / 4)
    expected = round(100 / throughput + 4, 1)
    html = user.get(f"/events/{event_id}/send").get_data(as_text=True)
    assert "4.00 s per provider response" in html
    with app.app_context():
        assert campaigns.preflight(event_id).estimated_seconds == pytest.approx(expected)


def test_time_left_comes_from_the_observed_rate(app: Flask, user: FlaskClient) -> None:
    event_id = make_event(app)
    campaign_id = make_campaign(app, event_id, [{"send_state": SendState.PENDING}] * 30)
    status = user.get(f"/campaigns/{campaign_id}/progress.json").get_json()
    assert status["seconds_left"] is None  # nothing accepted yet: no guess
    assert status["percent_text"] == "0%"
    with app.app_context():
        accepted = db.session.scalars(
            db.select(Invitation).where(Invitation.campaign_id == campaign_id).limit(6)
        ).all()
        for invitation in accepted:
            invitation.accepted_at = utcnow()
        db.session.commit()
    status = user.get(f"/campaigns/{campaign_id}/progress.json").get_json()
    assert status["observed_rate_per_second"] == pytest.approx(6 / 60)
