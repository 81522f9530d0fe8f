"""The control token of the emulators the tests start, and the environment that gives it."""

from __future__ import annotations

import secrets

from app.emulator.access import control_headers

# One per test run: the emulators' control endpoints refuse anyone else on this machine.
CONTROL_TOKEN = secrets.token_urlsafe(32)


def control_env() -> dict[str, str]:
    """Return the environment that gives an emulator the tests' control token."""
    return {"EMULATOR_CONTROL_TOKEN": CONTROL_TOKEN}


def authorized() -> dict[str, str]:
    """Return the headers that open an emulator's control endpoints."""
    return control_headers(CONTROL_TOKEN)
