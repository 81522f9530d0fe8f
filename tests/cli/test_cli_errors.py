"""A configuration error under the `flask` CLI: one line per problem, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner
from flask.cli import cli

from app import create_app
from app.cli.errors import config_problems
from app.config import ConfigError, load_settings
from app.devstack import REPO_ROOT
from app.devstack.local_env import service_settings
from tests.support.constants import PRODUCTION

MISSING = [
    "SECRET_KEY is required in production and not set",
    "DATABASE_URL is required in production and not set",
    "REDIS_URL is required in production and not set",
    "TWILIO_ACCOUNT_SID is required in production and not set",
    "TWILIO_AUTH_TOKEN is required in production and not set",
    "TWILIO_WHATSAPP_FROM (or TWILIO_MESSAGING_SERVICE_SID) is required in production and not set",
]
MALFORMED = {
    "APP_ENV": "development",
    "DB_POOL_SIZE": "x",
    "TWILIO_REMINDER_CONTENT_SIDS": "xx=HX1",  # its message holds a "; " of its own
    "SEND_RATE_PER_SECOND": "-1",
}


def problems(environ: dict[str, str]) -> list[str]:
    """The problems `load_settings` finds in `environ`, one sentence each."""
    with pytest.raises(ConfigError) as raised:
        load_settings(environ)
    return config_problems(raised.value)


def test_each_missing_variable_is_a_problem_of_its_own() -> None:
    assert problems({}) == MISSING


def test_each_malformed_variable_is_a_problem_of_its_own() -> None:
    found = problems(MALFORMED)
    assert [problem.split()[0] for problem in found] == [
        "DB_POOL_SIZE",
        "TWILIO_REMINDER_CONTENT_SIDS",
        "SEND_RATE_PER_SECOND",
    ]
    assert "(languages en, es, pt" in found[1] and found[1].endswith("got 'xx=HX1'")


def test_a_single_problem_is_one_line() -> None:
    assert problems({**PRODUCTION, "DEFAULT_PHONE_REGION": "ZZ"}) == [
        "DEFAULT_PHONE_REGION must be an ISO 3166 region code such as US or GB, got 'ZZ'"
    ]


def clean_env(**settings: str) -> dict[str, str | None]:
    """CliRunner's environment: none of the service's settings but `settings`, no .env."""
    unset: dict[str, str | None] = dict.fromkeys(service_settings(os.environ))
    return {**unset, "FLASK_SKIP_DOTENV": "1", **settings}


@pytest.mark.parametrize("arguments", [["workers"], ["doctor", "--json"], ["--help"]])
def test_a_flask_command_ends_with_one_line_per_problem(arguments: list[str]) -> None:
    result = CliRunner().invoke(cli, ["--app", "app", *arguments], env=clean_env())

    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert lines[: len(MISSING)] == [f"configuration error: {line}" for line in MISSING]
    assert lines[len(MISSING) :] == [
        "hint: set APP_ENV=development for local defaults",
        "hint: the local run's settings: bash scripts/flask.sh <command> (see README, Quick start)",
    ]


def test_a_malformed_setting_has_no_hint() -> None:
    result = CliRunner().invoke(cli, ["--app", "app", "workers"], env=clean_env(**MALFORMED))

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"configuration error: {problem}" for problem in problems(MALFORMED)
    ]


def test_outside_the_cli_the_error_is_raised_as_before() -> None:
    """gunicorn and the worker build the app with no click context: they see the error."""
    with pytest.raises(ConfigError, match=r"^missing required environment variables"):
        create_app(dict.fromkeys(service_settings(os.environ), ""))


@pytest.mark.slow
def test_the_real_flask_command_prints_no_traceback() -> None:
    env = {
        key: value for key, value in os.environ.items() if key not in service_settings(os.environ)
    }
    env["FLASK_SKIP_DOTENV"] = "1"
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "workers"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == f"configuration error: {MISSING[0]}"
    assert all(line.startswith(("configuration error: ", "hint: ")) for line in lines), lines
