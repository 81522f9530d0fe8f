"""The control endpoints need the control token and a local Host; no endpoint shows a secret.

In-process servers (aiohttp's TestServer on 127.0.0.1): real HTTP, no process started.
"""

from __future__ import annotations

import asyncio
import stat
from pathlib import Path
from typing import Any

import pytest
from aiohttp import encode_basic_auth, web
from aiohttp.test_utils import TestClient, TestServer

from app.emulator.access import control_headers, control_token
from app.emulator.config import DEFAULT_ACCOUNT_SID, EmulatorConfig
from app.emulator.server import create_emulator_app

TOKEN = "control-token-of-the-access-tests"
AUTH_TOKEN = "webhook-signing-token-of-the-access-tests"
CONFIG = EmulatorConfig(control_token=TOKEN, auth_token=AUTH_TOKEN)
MESSAGES = f"/2010-04-01/Accounts/{DEFAULT_ACCOUNT_SID}/Messages.json"


def call(
    config: EmulatorConfig,
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    body: dict[str, Any] | None = None,
) -> tuple[int, Any, str]:
    """Make one request to an in-process emulator; return its status, JSON and raw body."""

    async def run() -> tuple[int, Any, str]:
        async with TestClient(TestServer(create_emulator_app(config))) as client:
            response = await client.request(method, path, headers=headers, json=body)
            text = await response.text()
            return response.status, await response.json(), text

    return asyncio.run(run())


def control_routes() -> list[tuple[str, str]]:
    """Every (method, path) under /_emulator/ but the health check, as the router has them."""
    app: web.Application = create_emulator_app(CONFIG)
    return sorted(
        (route.method, route.resource.canonical)
        for route in app.router.routes()
        if route.resource is not None
        and route.resource.canonical.startswith("/_emulator/")
        and route.resource.canonical != "/_emulator/health"
        and route.method != "HEAD"
    )


def test_every_control_route_is_found() -> None:
    assert (
        len(control_routes()) >= 9
    )  # config x2, reset, messages, counts, stats, optouts x2, reply


@pytest.mark.parametrize(("method", "path"), control_routes())
@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer ", "Bearer wrong-token", f"Basic {TOKEN}", f"Bearer {TOKEN}x"],
)
def test_control_routes_refuse_a_caller_without_the_token(
    method: str, path: str, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}

    status, answer, _ = call(CONFIG, method, path, headers)

    assert status == 401
    assert "control token" in answer["error"]


@pytest.mark.parametrize(("method", "path"), control_routes())
def test_control_routes_answer_the_token(method: str, path: str) -> None:
    body = {"from": "+12025550123", "text": "hi"} if path.endswith("/reply") else None

    status, _, _ = call(CONFIG, method, path, control_headers(TOKEN), body)

    # The reply needs an inbound URL (400), a review a submitted content (404); every other
    # call succeeds.
    assert status == {"/_emulator/reply": 400, "/_emulator/review": 404}.get(path, 200)


def raw_status(config: EmulatorConfig, head: bytes) -> bytes:
    """Send a request head as raw bytes (no client would send them); return its status line."""

    async def run() -> bytes:
        server = TestServer(create_emulator_app(config))
        await server.start_server()
        try:
            reader, writer = await asyncio.open_connection(server.host, server.port)
            writer.write(head + b"Connection: close\r\n\r\n")
            answer = await reader.read()
            writer.close()
            await writer.wait_closed()
        finally:
            await server.close()
        return answer.split(b"\r\n", 1)[0]

    return asyncio.run(run())


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"Host: 127.0.0.1\r\nAuthorization: Bearer \xff\xfe\r\n", b"401"),
        (b"Host: 127.0.0.1\r\nAuthorization: \xff " + TOKEN.encode() + b"\r\n", b"401"),
        (b"Host: \xff\xfe.example\r\nAuthorization: Bearer " + TOKEN.encode() + b"\r\n", b"421"),
        (b"Authorization: Bearer " + TOKEN.encode() + b"\r\n", b"400"),  # no Host: aiohttp's 400
    ],
)
def test_bytes_that_are_not_utf8_are_refused_not_a_500(head: bytes, expected: bytes) -> None:
    status = raw_status(CONFIG, b"GET /_emulator/config HTTP/1.1\r\n" + head)

    assert status.split()[1] == expected, status


def test_the_401_says_how_to_authenticate() -> None:
    async def run() -> str:
        async with TestClient(TestServer(create_emulator_app(CONFIG))) as client:
            response = await client.get("/_emulator/config")
            return response.headers["WWW-Authenticate"]

    assert asyncio.run(run()).startswith("Bearer")


def test_without_a_configured_token_the_control_routes_stay_closed() -> None:
    config = EmulatorConfig()  # no control token: as create_emulator_app gets it by default

    for header in ("Bearer ", "Bearer", "Bearer  "):
        status, _, _ = call(config, "GET", "/_emulator/messages", {"Authorization": header})
        assert status == 401


@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        "evil.example:8099",
        "127.0.0.1.evil.example",
        "localhost.evil.example",
        "0.0.0.0:8099",
        "10.0.0.5",
        "[::1",
        "",
    ],
)
@pytest.mark.parametrize("path", ["/_emulator/config", "/_emulator/health"])
def test_a_foreign_host_is_refused_even_with_the_token(host: str, path: str) -> None:
    headers = {**control_headers(TOKEN), "Host": host}

    status, answer, _ = call(CONFIG, "GET", path, headers)

    assert status == 421
    assert "Host" in answer["error"]


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1:8099", "127.0.0.1", "localhost:8099", "LOCALHOST", "[::1]:8099", "127.0.0.2"],
)
def test_loopback_hosts_are_accepted(host: str) -> None:
    status, _, _ = call(CONFIG, "GET", "/_emulator/stats", {**control_headers(TOKEN), "Host": host})

    assert status == 200


@pytest.mark.parametrize(
    ("config", "host", "expected"),
    [
        (
            EmulatorConfig(control_token=TOKEN, allowed_hosts=frozenset({"emulator"})),
            "emulator:8099",
            200,
        ),
        (EmulatorConfig(control_token=TOKEN), "emulator:8099", 421),
        (EmulatorConfig(control_token=TOKEN, host="10.1.2.3"), "10.1.2.3:8099", 200),
        (EmulatorConfig(control_token=TOKEN, host="0.0.0.0"), "0.0.0.0:8099", 421),
        (EmulatorConfig(control_token=TOKEN, host="0.0.0.0"), "127.0.0.1:8099", 200),
    ],
)
def test_the_bound_address_and_allowed_hosts_are_accepted(
    config: EmulatorConfig, host: str, expected: int
) -> None:
    status, _, _ = call(config, "GET", "/_emulator/stats", {**control_headers(TOKEN), "Host": host})

    assert status == expected


def test_health_needs_no_token_and_shows_no_secret() -> None:
    status, answer, text = call(CONFIG, "GET", "/_emulator/health")

    assert status == 200
    assert answer["status"] == "ok"
    assert AUTH_TOKEN not in text
    assert TOKEN not in text


def test_the_configuration_never_shows_a_secret() -> None:
    _, shown, text = call(CONFIG, "GET", "/_emulator/config", control_headers(TOKEN))
    patch = {"auth_token": "patched-signing-token", "latency": "0.1"}
    _, patched, patched_text = call(
        CONFIG, "POST", "/_emulator/config", control_headers(TOKEN), patch
    )

    assert shown["auth_token"] == shown["control_token"] == "(hidden)"
    assert AUTH_TOKEN not in text and TOKEN not in text
    assert patched["auth_token"] == "(hidden)"
    assert patched["latency"] == [0.1, 0.1]
    assert "patched-signing-token" not in patched_text


def test_the_rest_api_keeps_its_basic_auth_and_needs_no_control_token() -> None:
    form = {"To": "whatsapp:+12025550123", "From": "whatsapp:+14155238886", "Body": "x"}

    async def run() -> tuple[int, int]:
        async with TestClient(TestServer(create_emulator_app(CONFIG))) as client:
            created = await client.post(MESSAGES, data=form, headers=basic(AUTH_TOKEN))
            refused = await client.post(MESSAGES, data=form, headers=basic(TOKEN))
            return created.status, refused.status

    assert asyncio.run(run()) == (201, 401)


def basic(password: str) -> dict[str, str]:
    """The Basic Authorization header of the default account with `password`."""
    return {"Authorization": encode_basic_auth(DEFAULT_ACCOUNT_SID, password)}


def test_a_given_token_is_used_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "token"
    with control_token(EmulatorConfig(control_token=TOKEN, control_token_file=str(path))) as config:
        assert config.control_token == TOKEN
    assert not path.exists()


def test_a_token_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text("kept-token\n")

    with control_token(EmulatorConfig(control_token_file=str(path))) as config:
        assert config.control_token == "kept-token"
    assert path.read_text() == "kept-token\n"


@pytest.mark.parametrize("existing", [None, ""])
def test_a_missing_or_empty_token_file_gets_a_generated_token_owner_only(
    tmp_path: Path, existing: str | None
) -> None:
    path = tmp_path / "token"
    if existing is not None:
        path.write_text(existing)
        path.chmod(0o644)

    with control_token(EmulatorConfig(control_token_file=str(path))) as config:
        assert len(config.control_token) >= 32
        assert path.read_text().strip() == config.control_token
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.exists()  # the caller's file outlives the emulator


def test_without_token_or_file_a_private_temporary_file_holds_the_token() -> None:
    with control_token(EmulatorConfig()) as config:
        assert config.control_token_file is not None
        path = Path(config.control_token_file)
        assert path.read_text().strip() == config.control_token
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not path.exists()
