"""`flask doctor`: the readiness checks plus configuration sanity, each with what to do."""

from __future__ import annotations

import json

import pytest
import redis
from flask import Flask

from app import create_app
from app.config import load_settings
from app.health.doctor import check_public_url

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
