"""The benchmarks' emulators: the control token each is started with, and its JSON.

Every emulator a benchmark starts gets one token per benchmark process (in its environment,
never on its command line), so another user of the machine cannot drive it meanwhile.
"""

from __future__ import annotations

import json
import secrets
import urllib.request
from typing import Any

from app.emulator.access import control_headers

CONTROL_TOKEN = secrets.token_urlsafe(32)


def emulator_env(path: str, **extra: str) -> dict[str, str]:
    """The environment of a benchmark's emulator: PATH, the control token, `extra`."""
    return {"PATH": path, "EMULATOR_CONTROL_TOKEN": CONTROL_TOKEN, **extra}


def get_json(url: str) -> dict:
    """GET an emulator's control endpoint; the decoded JSON answer."""
    request = urllib.request.Request(url, headers=control_headers(CONTROL_TOKEN))
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def post_json(url: str, body: dict[str, Any]) -> dict:
    """POST JSON to an emulator's control endpoint; the decoded JSON answer."""
    headers = {**control_headers(CONTROL_TOKEN), "Content-Type": "application/json"}
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers=headers, method="POST"
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())
