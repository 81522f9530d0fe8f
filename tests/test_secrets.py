"""Production refuses weak secrets, and says how to generate a good one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.config import DEV_SECRET_KEY, EMULATOR_AUTH_TOKEN, ConfigError, load_settings
from tests.support.constants import PRODUCTION

REPO = Path(__file__).resolve().parent.parent
STRONG = "hV3q9Zr1XbLk0pT7sWn2YcEe5uJm8gAd"


@pytest.mark.parametrize("name", ["SECRET_KEY", "API_TOKEN", "METRICS_TOKEN"])
@pytest.mark.parametrize(
    "value",
    [
        "x",
        "s3cret",
        STRONG[:31],
        "x" * 64,
        "changeme-changeme-changeme-changeme",
        "your-secret-key-goes-here-please-123",
        DEV_SECRET_KEY,
        EMULATOR_AUTH_TOKEN,
        "0123012301230123012301230123012301",
    ],
)
def test_production_refuses_a_weak_secret(name: str, value: str) -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings({**PRODUCTION, "API_TOKEN": STRONG, name: value})
    message = str(refused.value)
    assert name in message
    assert "at least 32 characters" in message
    assert "secrets.token_urlsafe" in message  # how to make one


def test_production_takes_strong_secrets_and_no_api_token() -> None:
    settings = load_settings({**PRODUCTION, "SECRET_KEY": STRONG, "API_TOKEN": STRONG[::-1]})
    assert settings.secret_key == STRONG
    assert load_settings({**PRODUCTION, "API_TOKEN": ""}).api_token is None  # API off


def test_development_keeps_its_local_defaults() -> None:
    settings = load_settings({"APP_ENV": "development", "SECRET_KEY": "x", "API_TOKEN": "t"})
    assert settings.secret_key == "x"


def test_the_docs_way_of_generating_a_secret_passes() -> None:
    import secrets

    for _ in range(20):
        load_settings({**PRODUCTION, "SECRET_KEY": secrets.token_urlsafe(48)})


@pytest.mark.parametrize(
    "template", ["docker-compose.yml", "render.yaml", "ecosystem.config.js", ".env.example"]
)
def test_deploy_templates_never_set_development_mode(template: str) -> None:
    text = (REPO / template).read_text()
    assert not re.search(r"APP_ENV\W+(value\W+)?(development|test)\b", text), template
    if template == "ecosystem.config.js":  # PM2 passes no variables: the app reads .env
        assert "ENV_FILE" in text
    else:
        assert re.search(r"APP_ENV\W+(value\W+)?production\b", text), template
