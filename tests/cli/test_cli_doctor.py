"""`flask doctor`: the readiness checks plus configuration sanity, each with what to do."""

from __future__ import annotations

import json

import pytest
import redis
from flask import Flask

from app import create_app
from app.config import EMULATOR_ACCOUNT_SID, Settings, load_settings
from app.health.doctor import check_public_url, check_twilio
from tests.support.receiver import Receiver

TWILIO = {
    "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
    "TWILIO_AUTH_TOKEN": "secret-token",
    "TWILIO_WHATSAPP_FROM": "whatsapp:+14155238886",
}


def doctor(app: Flask) -> tuple[int, dict]:
    """Run `flask doctor --json`; return the exit status and the parsed report."""
    result = app.test_cli_runner().invoke(args=["doctor", "--json"])
    return result.exit_code, json.loads(result.output)


def test_doctor_runs_the_ready_checks_and_flags_missing_configuration(app: Flask) -> None:
    status, report = doctor(app)
    assert status == 1 and report["ok"] is False
    checks = report["checks"]
    assert [name for name in checks][:4] == ["database", "redis", "workers", "sending"]
    assert checks["database"]["ok"] and checks["redis"]["ok"] and checks["sending"]["ok"]
    assert checks["workers"] == {
        "ok": False,
        "detail": "no live worker",
        "action": "start `python -m worker`; see `flask --app app workers`",
    }
    assert checks["public_url"]["ok"] is False
    assert "PUBLIC_BASE_URL" in checks["public_url"]["action"]
    assert checks["twilio"]["ok"] is False
    assert "the local emulator's TWILIO_ACCOUNT_SID" in checks["twilio"]["detail"]
    assert checks["pool_sizes"]["ok"] is True
    policy = redis.Redis.from_url(app.config["SETTINGS"].redis_url).info("memory")
    assert checks["redis_eviction"]["ok"] is (policy["maxmemory_policy"] == "noeviction")

    table = app.test_cli_runner().invoke(args=["doctor"]).output
    assert table.splitlines()[0].split() == ["check", "detail", "what", "to", "do"]
    assert "workers         FAIL  no live worker" in table


def test_doctor_passes_configuration_and_catches_oversized_pools(
    migrated: dict[str, str], app: Flask
) -> None:
    configured = {**migrated, **TWILIO, "PUBLIC_BASE_URL": "https://invites.example.org"}
    _, report = doctor(create_app(configured))
    checks = report["checks"]
    assert checks["twilio"]["ok"] and checks["public_url"]["ok"], checks
    assert checks["pool_sizes"]["ok"], checks["pool_sizes"]

    _, report = doctor(create_app({**configured, "DB_POOL_SIZE": "400"}))
    pools = report["checks"]["pool_sizes"]
    assert pools["ok"] is False
    assert "DB_POOL_SIZE" in pools["action"]


PRODUCTION = {
    "SECRET_KEY": "doctor-test-secret-key-0123456789-abcdefghij",
    "DATABASE_URL": "postgresql://db/invites",
    "REDIS_URL": "redis://redis:6379/0",
    **TWILIO,
}


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://invites.example.org", True),
        ("http://invites.example.org", False),
        ("https://localhost:8000", False),
        ("invites.example.org", False),
    ],
)
def test_public_url_must_be_reachable_https_in_production(url: str, ok: bool) -> None:
    settings = load_settings({**PRODUCTION, "PUBLIC_BASE_URL": url})
    assert check_public_url(settings).ok is ok


EMULATOR_HEALTH = "/_emulator/health"


def emulator_settings(url: str, **extra: str) -> Settings:
    """Development settings sending through the emulator at `url`."""
    return load_settings({"APP_ENV": "development", "TWILIO_API_BASE_URL": url, **extra})


def test_twilio_passes_on_an_emulator_that_answers_for_the_account() -> None:
    with Receiver() as emulator:
        health = {"status": "ok", "account_sid": EMULATOR_ACCOUNT_SID, "messages": 0}
        emulator.documents[EMULATOR_HEALTH] = json.dumps(health).encode()

        check = check_twilio(emulator_settings(emulator.base_url))

    assert check.ok, check
    assert check.detail.startswith(f"the local emulator at {emulator.base_url}: account AC")


def test_twilio_fails_on_an_emulator_that_does_not_answer() -> None:
    with Receiver() as stopped:
        url = stopped.base_url  # nothing listens there any more

    check = check_twilio(emulator_settings(url))

    assert not check.ok
    assert check.detail.startswith(f"the emulator at {url} does not answer (")
    assert "bash scripts/run-local.sh" in check.action


def test_twilio_fails_on_a_server_that_is_not_the_emulator_or_serves_another_account() -> None:
    with Receiver() as server:
        not_emulator = check_twilio(emulator_settings(server.base_url))
        server.documents[EMULATOR_HEALTH] = json.dumps({"account_sid": "AC" + "9" * 32}).encode()
        other_account = check_twilio(emulator_settings(server.base_url))

    assert not not_emulator.ok and "(HTTP 404)" in not_emulator.detail
    assert not other_account.ok and "serves account AC999" in other_account.detail
    assert "not an http(s) URL" in check_twilio(emulator_settings("file:///etc")).detail


def test_production_never_sends_through_anything_but_twilio() -> None:
    settings = load_settings({**PRODUCTION, "TWILIO_API_BASE_URL": "http://127.0.0.1:8099"})
    check = check_twilio(settings)
    assert not check.ok and "not Twilio" in check.detail
    assert "TWILIO_API_BASE_URL=https://api.twilio.com" in check.action
    edge = {**PRODUCTION, "TWILIO_API_BASE_URL": "https://api.dublin.ie1.twilio.com"}
    assert check_twilio(load_settings(edge)).ok


def test_the_emulators_account_against_twilio_says_how_to_reach_the_emulator() -> None:
    check = check_twilio(load_settings({"APP_ENV": "development"}))
    assert not check.ok
    assert "the local emulator's TWILIO_ACCOUNT_SID" in check.detail
    assert "bash scripts/flask.sh" in check.action
