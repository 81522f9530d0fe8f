"""The SEND_* settings."""

from __future__ import annotations

import pytest

from app.config import ConfigError, load_settings
from app.sending.settings import load_sending_settings

BASE = {"APP_ENV": "test", "TWILIO_REQUEST_TIMEOUT": "15", "SEND_RATE_PER_SECOND": "80"}


def test_defaults() -> None:
    settings = load_sending_settings(load_settings(BASE), {})

    assert settings.rate_per_second == 80 and settings.validity_period == 14400
    assert settings.daily_tier is None and settings.max_attempts == 8
    assert settings.queue == "send" and settings.lease_seconds == 40


def test_the_lease_outlasts_any_request_started_under_it() -> None:
    settings = load_sending_settings(load_settings(BASE), {"SEND_LEASE_SECONDS": "5"})

    # A request starts with at least timeout + grace of lease left, between renewals.
    assert settings.lease_seconds - settings.renew_interval >= settings.send_window


@pytest.mark.parametrize(
    ("name", "value"),
    [("SEND_VALIDITY_PERIOD", "36001"), ("SEND_MAX_ATTEMPTS", "0"), ("SEND_LEASE_SECONDS", "soon")],
)
def test_bad_values_fail_clearly(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_sending_settings(load_settings(BASE), {name: value})


@pytest.mark.parametrize(("value", "tier"), [("", None), ("unlimited", None), ("1000", 1000)])
def test_the_daily_tier(value: str, tier: int | None) -> None:
    assert load_sending_settings(load_settings(BASE), {"SEND_DAILY_TIER": value}).daily_tier == tier
