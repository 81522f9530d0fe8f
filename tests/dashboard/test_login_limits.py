"""Sign-in limits that protect without locking the owner out."""

from __future__ import annotations

import time

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from app.extensions import redis_store
from tests.dashboard.support import ADMIN_EMAIL, ADMIN_PASSWORD

USUAL = "198.51.100.10"


def attempt(app: Flask, address: str, password: str, email: str = ADMIN_EMAIL) -> TestResponse:
    """POST the sign-in form from `address` with a fresh client."""
    client: FlaskClient = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client.post("/login", data={"email": email, "password": password})


def test_the_owner_signs_in_from_the_usual_address_during_a_distributed_attack(
    app: Flask, admin_id: int
) -> None:
    assert attempt(app, USUAL, ADMIN_PASSWORD).status_code == 302  # the usual address
    for n in range(11):  # 11 addresses, each below its own limits
        attempt(app, f"203.0.113.{n}", "guess")
    assert attempt(app, "203.0.113.200", "guess").status_code == 429  # the ceiling holds
    stranger = attempt(app, "203.0.113.201", ADMIN_PASSWORD)
    assert stranger.status_code == 429  # a new address waits, even with the password
    assert attempt(app, USUAL, ADMIN_PASSWORD).status_code == 302


def test_one_address_guessing_is_stopped_and_the_owner_is_not(app: Flask, admin_id: int) -> None:
    assert attempt(app, USUAL, ADMIN_PASSWORD).status_code == 302
    for _ in range(5):
        assert attempt(app, "203.0.113.5", "guess").status_code == 200
    refused = attempt(app, "203.0.113.5", ADMIN_PASSWORD)
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert attempt(app, USUAL, ADMIN_PASSWORD).status_code == 302
    assert attempt(app, "203.0.113.6", ADMIN_PASSWORD).status_code == 302  # one address only


def test_an_address_trying_many_emails_is_stopped(app: Flask, admin_id: int) -> None:
    for n in range(10):
        attempt(app, "203.0.113.9", "guess", email=f"user{n}@example.org")
    assert attempt(app, "203.0.113.9", ADMIN_PASSWORD).status_code == 429


def test_backoff_longer_windows_take_over_after_the_short_one(app: Flask, admin_id: int) -> None:
    # Scaled down: 2 a second, 3 an hour; the defaults are 5 a minute, 20 an hour, 50 a day.
    app.config["DASHBOARD_LOGIN_LIMIT_PER_EMAIL_IP"] = "2 per second; 3 per hour"
    for _ in range(2):
        assert attempt(app, "203.0.113.7", "guess").status_code == 200
    assert attempt(app, "203.0.113.7", "guess").status_code == 429
    time.sleep(1.1)  # the short window has passed: one more try before the hourly window
    assert attempt(app, "203.0.113.7", "guess").status_code == 200
    time.sleep(1.1)
    refused = attempt(app, "203.0.113.7", "guess")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 60  # now it waits for the hourly window


def test_the_limiter_keys_hold_no_email_address(app: Flask) -> None:
    attempt(app, "203.0.113.9", "wrong password", email="Someone.Private@Example.org")

    with app.app_context():
        keys = [key.decode() for key in redis_store.connection.scan_iter("*")]

    assert keys, "the failed attempt was counted somewhere"
    assert not [key for key in keys if "example.org" in key.lower()], keys
