"""A Twilio-compatible Messages API and WhatsApp emulator, on aiohttp.

Run it with `python -m app.emulator` (see `--help`) and point the real twilio client at it
with `client.api.base_url = "http://127.0.0.1:8099"`. It answers create/list/fetch of
Messages with Twilio's shapes and error codes, serves the Content API (templates and their
WhatsApp approval, decided by Meta's rules), injects latency and faults, posts signed
status callbacks and guests' replies, and exposes control endpoints under `/_emulator/`
(behind a bearer control token and a local `Host`: see `access.py`).

Imports only the standard library, aiohttp, twilio and phonenumbers: never Flask or the
rest of `app`.
"""

from app.emulator.config import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, EmulatorConfig
from app.emulator.server import create_emulator_app, serve, start

__all__ = [
    "DEFAULT_ACCOUNT_SID",
    "DEFAULT_AUTH_TOKEN",
    "EmulatorConfig",
    "create_emulator_app",
    "serve",
    "start",
]
