"""Knob parsing, the CLI/environment precedence and the seeded fault stream (no server)."""

from __future__ import annotations

import json

import pytest

from app.emulator.__main__ import load_config
from app.emulator.config import DEFAULT_ACCOUNT_SID, ConfigError, EmulatorConfig, parse_range
from app.emulator.faults import FaultInjector
from app.emulator.listing import date_window
from app.emulator.validation import is_valid_number


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("5-10", (5.0, 10.0)),
        ("0.1-0.3", (0.1, 0.3)),
        ("2", (2.0, 2.0)),
        (0.5, (0.5, 0.5)),
        ([1, 2], (1.0, 2.0)),
        ("0", (0.0, 0.0)),
    ],
)
def test_parse_range(raw: object, expected: tuple[float, float]) -> None:
    assert parse_range(raw) == expected


@pytest.mark.parametrize(
    "changes",
    [
        {"nope": 1},
        {"port": 1234},
        {"server_error_rate": 1.5},
        {"latency": "10-5"},
        {"callback_statuses": "sent,bounced"},
        {"auto_reply": "sometimes"},
        {"auto_reply_text_rate": 1.2},
        {"auto_reply_change_rate": "often"},
        {"inbound_url": "ftp://example.org"},
        {"max_in_flight": -1},
        {"page_size": 0},
        {"control_token": "chosen-by-a-caller"},  # whoever holds the token cannot swap it
        {"control_token_file": "/tmp/elsewhere"},
        {"allowed_hosts": "evil.example"},  # nor open the door to DNS rebinding
    ],
)
def test_bad_runtime_patches_are_refused(changes: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        EmulatorConfig().patched(changes)


def test_a_patch_returns_a_new_config() -> None:
    config = EmulatorConfig()

    patched = config.patched(
        {"latency": "1-2", "opted_out": "whatsapp:+12025550123, +12025550124", "seed": "7"}
    )

    assert config.latency == (0.0, 0.0)
    assert patched.latency == (1.0, 2.0)
    assert patched.opted_out == frozenset({"+12025550123", "+12025550124"})
    assert patched.seed == 7
    assert json.loads(json.dumps(patched.to_json()))["latency"] == [1.0, 2.0]


def test_flags_override_the_environment_which_overrides_defaults() -> None:
    environ = {
        "EMULATOR_LATENCY": "5-10",
        "EMULATOR_PORT": "9000",
        "EMULATOR_CALLBACK_SHUFFLE": "true",
        "EMULATOR_AUTH_TOKEN": "from-env",
    }

    config = load_config(["--port", "9100", "--no-callback-shuffle", "--seed", "3"], environ)

    assert config.port == 9100
    assert config.latency == (5.0, 10.0)
    assert config.callback_shuffle is False
    assert config.auth_token == "from-env"
    assert config.seed == 3
    assert config.account_sid == DEFAULT_ACCOUNT_SID


def test_the_guests_rates_are_set_on_the_command_line_or_the_environment() -> None:
    environ = {"EMULATOR_AUTO_REPLY_TEXT_RATE": "0.4", "EMULATOR_AUTO_REPLY_SILENT_RATE": "0.1"}
    argv = ["--auto-reply", "random", "--auto-reply-question-rate", "0.2"]
    argv += ["--auto-reply-count-rate", "0.3", "--auto-reply-stop-rate", "0.02"]

    config = load_config([*argv, "--auto-reply-change-rate", "0.5"], environ)

    assert (config.auto_reply, config.auto_reply_text_rate) == ("random", 0.4)
    assert (config.auto_reply_count_rate, config.auto_reply_question_rate) == (0.3, 0.2)
    assert (config.auto_reply_stop_rate, config.auto_reply_silent_rate) == (0.02, 0.1)
    assert config.auto_reply_change_rate == 0.5
    assert EmulatorConfig().auto_reply_change_rate == 0  # an answer stands unless told


def test_startup_only_knobs_are_accepted_at_start() -> None:
    config = load_config(["--host", "0.0.0.0", "--callback-concurrency", "50"], {})

    assert config.host == "0.0.0.0"
    assert config.callback_concurrency == 50


def test_a_seed_makes_the_fault_stream_reproducible() -> None:
    config = EmulatorConfig(latency=(5.0, 10.0), server_error_rate=0.5, slow_rate=0.1, seed=9)

    stream_a, stream_b = FaultInjector(9), FaultInjector(9)
    plans_a = [stream_a.plan(config) for _ in range(100)]
    plans_b = [stream_b.plan(config) for _ in range(100)]
    stream_a.reseed(9)

    assert plans_a == plans_b
    assert stream_a.plan(config) == plans_a[0]
    assert all(5.0 <= plan.latency <= 10.0 for plan in plans_a)
    assert {plan.server_error for plan in plans_a} == {None, 500, 502, 503}


@pytest.mark.parametrize(
    ("check", "number", "valid"),
    [
        ("strict", "+12025550123", True),
        ("strict", "+15551234567", False),
        ("possible", "+15551234567", True),
        ("off", "+15551234567", True),
        ("off", "12025550123", False),
        ("strict", "+1", False),
    ],
)
def test_number_checks(check: str, number: str, valid: bool) -> None:
    assert is_valid_number(number, EmulatorConfig(number_check=check)) is valid


def test_date_filters_are_inclusive_days() -> None:
    lower, upper = date_window({"DateSent>": "2026-11-20", "DateSent<": "2026-11-21"})

    assert lower is not None
    assert upper is not None
    assert lower.isoformat() == "2026-11-20T00:00:00+00:00"
    assert upper.isoformat() == "2026-11-22T00:00:00+00:00"
