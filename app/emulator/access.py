"""Who may use the control endpoints: a caller with the control token, through a local Host.

The control endpoints can read every message, sign any guest's reply and change the
emulator's behaviour, so another local user must not reach them: each call needs
`Authorization: Bearer <control token>`. A browser page must not reach them by DNS
rebinding either (its requests carry the attacker's host name), so the `Host` must be a
loopback name, the address the emulator is bound to, or one of `--allowed-hosts`.
"""

from __future__ import annotations

import dataclasses
import hmac
import ipaddress
import logging
import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler

from app.emulator.config import EmulatorConfig
from app.emulator.state import EMULATOR

log = logging.getLogger(__name__)

CONTROL_PREFIX = "/_emulator/"
OPEN_PATHS = frozenset({"/_emulator/health"})  # says only that it is up: no token needed
WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::"})  # noqa: S104 - names, not a bind


@web.middleware
async def control_access_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse a control call through a foreign Host (421) or without the control token (401)."""
    if not request.path.startswith(CONTROL_PREFIX):
        return await handler(request)
    config = request.app[EMULATOR].config
    if not is_allowed_host(request.headers.get(hdrs.HOST, ""), config):
        return web.json_response(
            {"error": "the control endpoints answer only through a local Host"}, status=421
        )
    authorization = request.headers.get(hdrs.AUTHORIZATION, "")
    if request.path not in OPEN_PATHS and not has_control_token(authorization, config):
        return web.json_response(
            {"error": "send the control token: Authorization: Bearer <token>"},
            status=401,
            headers={hdrs.WWW_AUTHENTICATE: 'Bearer realm="emulator control"'},
        )
    return await handler(request)


def is_allowed_host(host_header: str, config: EmulatorConfig) -> bool:
    """Return whether a Host header names this machine: loopback, the bound host or allowed."""
    try:
        name = urlsplit(f"//{host_header}").hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False
    if not name:
        return False
    bound = config.host.lower()
    if name == "localhost" or name in config.allowed_hosts:
        return True
    if name == bound and bound not in WILDCARD_HOSTS:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def has_control_token(authorization: str, config: EmulatorConfig) -> bool:
    """Return whether an Authorization header is `Bearer <the control token>`."""
    scheme, _, given = authorization.partition(" ")
    if not config.control_token or scheme.lower() != "bearer":
        return False
    # aiohttp keeps bytes that are not UTF-8 as surrogates: compare them as the bytes they were.
    given_bytes = given.strip().encode("utf-8", "surrogateescape")
    return hmac.compare_digest(given_bytes, config.control_token.encode())


def control_headers(token: str) -> dict[str, str]:
    """Return the headers that open the control endpoints with `token`."""
    return {hdrs.AUTHORIZATION: f"Bearer {token}"}


@contextmanager
def control_token(config: EmulatorConfig) -> Iterator[EmulatorConfig]:
    """Yield `config` with a control token: given, read from its file, or generated.

    A generated token is written (0600) to `control_token_file`, or else to a private
    temporary file, removed on the way out; the log says where it is, never what it is.
    """
    if config.control_token:
        yield config
        return
    path = Path(config.control_token_file) if config.control_token_file else None
    saved = read_token(path) if path is not None else ""
    if saved:
        yield dataclasses.replace(config, control_token=saved)
        return
    token = secrets.token_urlsafe(32)
    written = write_token(path, token)
    log.info("control token written to %s (send it as Authorization: Bearer ...)", written)
    try:
        yield dataclasses.replace(config, control_token=token, control_token_file=str(written))
    finally:
        if path is None:
            written.unlink(missing_ok=True)


def read_token(path: Path) -> str:
    """Return the token kept in `path`, or an empty string when there is none."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        return ""


def write_token(path: Path | None, token: str) -> Path:
    """Write `token` to `path` (a new private temporary file if None), owner-only; return it."""
    if path is None:
        descriptor, name = tempfile.mkstemp(prefix="emulator-control-token-")
        path = Path(name)
    else:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # a file left by someone else may be world-readable
    with os.fdopen(descriptor, "w") as file:
        file.write(token + "\n")
    return path
