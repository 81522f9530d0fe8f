"""Configuration parsing, defaults and fail-fast errors."""

from __future__ import annotations

import pytest

from app.config import EMULATOR_ACCOUNT_SID, ConfigError, Environment, Role, load_settings
from tests.support.constants import PRODUCTION


def test_production_is_the_default_and_reads_every_variable() -> None:
    settings = load_settings(
        {**PRODUCTION, "SEND_RATE_PER_SECOND": "40", "SEND_MAX_IN_FLIGHT": "300"}
    )
    assert settings.env is Environment.PRODUCTION
    assert settings.role is Role.WEB
    assert settings.database.url == "postgresql+psycopg2://u:p@db.example.com:5432/invites"
    assert settings.send_rate_per_second == 40.0
    assert settings.send_max_in_flight == 300
    assert settings.twilio.api_base_url == "https://api.twilio.com"
    assert settings.twilio.validate_signatures is True


@pytest.mark.parametrize(
    "missing",
    ["SECRET_KEY", "DATABASE_URL", "REDIS_URL", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"],
)
def test_production_fails_fast_naming_the_missing_variable(missing: str) -> None:
    environ = {k: v for k, v in PRODUCTION.items() if k != missing}
    with pytest.raises(ConfigError, match=missing):
        load_settings(environ)


def test_production_needs_a_sender() -> None:
    environ = {k: v for k, v in PRODUCTION.items() if k != "TWILIO_WHATSAPP_FROM"}
    with pytest.raises(ConfigError, match="TWILIO_WHATSAPP_FROM"):
        load_settings(environ)
    settings = load_settings({**environ, "TWILIO_MESSAGING_SERVICE_SID": "MG" + "0" * 32})
    assert settings.twilio.messaging_service_sid == "MG" + "0" * 32


def test_twilio_credentials_are_optional_when_sending_is_disabled() -> None:
    environ = {k: v for k, v in PRODUCTION.items() if not k.startswith("TWILIO")}
    settings = load_settings({**environ, "SENDING_ENABLED": "false"})
    assert settings.sending_enabled is False
    assert settings.twilio.auth_token is None


def test_every_malformed_value_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(
            {
                **PRODUCTION,
                "SEND_RATE_PER_SECOND": "fast",
                "DB_POOL_SIZE": "0",
                "TWILIO_VALIDATE_SIGNATURES": "maybe",
                "APP_ENV": "staging",
            }
        )
    message = str(raised.value)
    for name in ("SEND_RATE_PER_SECOND", "DB_POOL_SIZE", "TWILIO_VALIDATE_SIGNATURES", "APP_ENV"):
        assert name in message


def test_development_has_local_defaults() -> None:
    settings = load_settings({"APP_ENV": "development"})
    assert settings.secret_key
    assert settings.database.url.startswith("postgresql+psycopg2://")
    assert settings.redis_url.startswith("redis://127.0.0.1")
    assert settings.twilio.account_sid == EMULATOR_ACCOUNT_SID
    assert settings.is_production is False


def test_non_postgres_database_is_refused() -> None:
    with pytest.raises(ConfigError, match="PostgreSQL"):
        load_settings({**PRODUCTION, "DATABASE_URL": "mysql://u@h/db"})


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"PUBLIC_BASE_URL": "https://invites.example.com/"}, "https://invites.example.com"),
        ({"RENDER_EXTERNAL_URL": "https://x.onrender.com"}, "https://x.onrender.com"),
        ({"RAILWAY_PUBLIC_DOMAIN": "x.up.railway.app"}, "https://x.up.railway.app"),
        (
            {"PUBLIC_BASE_URL": "https://mine.example", "RENDER_EXTERNAL_URL": "https://r.app"},
            "https://mine.example",
        ),
        ({}, None),
    ],
)
def test_public_base_url_falls_back_to_the_platform(
    environ: dict[str, str], expected: str | None
) -> None:
    assert load_settings({**PRODUCTION, **environ}).public_base_url == expected


def test_create_app_refuses_to_start_without_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    from app import create_app

    for name in ("APP_ENV", "SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    environ = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app(environ)


def test_unknown_phone_region_is_refused() -> None:
    with pytest.raises(ConfigError, match="DEFAULT_PHONE_REGION"):
        load_settings({**PRODUCTION, "DEFAULT_PHONE_REGION": "XX"})
    assert load_settings({**PRODUCTION, "DEFAULT_PHONE_REGION": "gb"}).default_phone_region == "GB"


def test_one_template_per_language_and_the_event_time_zone() -> None:
    spanish, arabic, french = "HX" + "1" * 32, "HX" + "a" * 32, "HX" + "f" * 32
    settings = load_settings(
        {
            **PRODUCTION,
            "TWILIO_INVITE_CONTENT_SIDS": f"es={spanish}, ar={arabic}, fr={french}",
            "DEFAULT_TIME_ZONE": "Europe/Lisbon",
        }
    )
    invitation = settings.twilio.content_templates["TWILIO_INVITE_CONTENT_SID"]
    assert dict(invitation.by_language) == {"es": spanish, "ar": arabic, "fr": french}
    assert settings.default_time_zone == "Europe/Lisbon"
    for bad in (
        {"TWILIO_INVITE_CONTENT_SIDS": "xx=HX" + "1" * 32},
        {"TWILIO_INVITE_CONTENT_SIDS": "es=nope"},
        {"DEFAULT_TIME_ZONE": "Mars/Olympus"},
    ):
        with pytest.raises(ConfigError):
            load_settings({**PRODUCTION, **bad})


ONE_HOP = {"TRUSTED_PROXIES": "1"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, {"for", "proto"}),  # the default: Host gives the host, with its port
        ("for,proto,host", {"for", "proto", "host"}),
        (" X-Forwarded-For , PROTO ", {"for", "proto"}),
        ("for,proto,host,port,prefix", {"for", "proto", "host", "port", "prefix"}),
    ],
)
def test_trusted_proxy_headers_name_what_the_proxy_overwrites(
    value: str | None, expected: set[str]
) -> None:
    extra = {} if value is None else {"TRUSTED_PROXY_HEADERS": value}
    settings = load_settings({**PRODUCTION, **ONE_HOP, **extra})
    assert settings.trusted_proxy_headers == expected


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (
            {**ONE_HOP, "TRUSTED_PROXY_HEADERS": "for,proto,server"},
            "comma list of for, proto, host",
        ),
        ({**ONE_HOP, "TRUSTED_PROXY_HEADERS": "for,,proto"}, "got 'for,,proto'"),
        ({**ONE_HOP, "TRUSTED_PROXY_HEADERS": "forwarded"}, "TRUSTED_PROXY_HEADERS must be"),
        ({"TRUSTED_PROXY_HEADERS": "for,proto"}, "TRUSTED_PROXIES is 0"),
        ({"TRUSTED_PROXY_HEADERS": "for", "TRUSTED_PROXIES": "0"}, "set TRUSTED_PROXIES to"),
    ],
)
def test_malformed_trusted_proxy_headers_are_refused(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings({**PRODUCTION, **environ})
