"""Latency and injected faults: 429, 5xx, the concurrency cap, slow responses, load."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import aiohttp
import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from tests.support.constants import SENDER
from tests.support.emulator import Emulator

pytestmark = pytest.mark.slow

GUEST = "whatsapp:+12025550123"


def guest(n: int) -> str:
    """Return the n-th of 10,000 distinct valid guest numbers."""
    return f"whatsapp:+1202555{n:04d}"


async def post_many(emulator: Emulator, count: int) -> Counter[int]:
    """POST `count` create requests at once; return how many got each HTTP status."""
    headers = {"Authorization": aiohttp.encode_basic_auth(*emulator.auth)}
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(
        connector=connector, headers=headers, timeout=timeout
    ) as session:

        async def post(n: int) -> int:
            form = {"To": guest(n), "From": SENDER, "Body": f"invitation {n}"}
            async with session.post(emulator.messages_url, data=form) as response:
                await response.read()
                return response.status

        return Counter(await asyncio.gather(*(post(n) for n in range(count))))


def test_rate_limited_requests_get_429_with_retry_after(
    twilio_client: Client, emulator: Emulator
) -> None:
    emulator.configure(rate_limit_rate=1.0, retry_after=7)

    response = emulator.create(To=GUEST, From=SENDER, Body="x")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert response.json()["code"] == 20429
    with pytest.raises(TwilioRestException) as raised:
        twilio_client.messages.create(to=GUEST, from_=SENDER, body="x")

    assert raised.value.status == 429
    assert raised.value.code == 20429
    assert emulator.get("/counts")["total"] == 0
    assert emulator.get("/stats")["faults"]["rate_limited"] == 2


def test_server_errors_are_not_stored(twilio_client: Client, emulator: Emulator) -> None:
    emulator.configure(server_error_rate=1.0, seed=3)

    statuses = {emulator.create(To=GUEST, From=SENDER, Body="x").status_code for _ in range(30)}
    with pytest.raises(TwilioRestException) as raised:
        twilio_client.messages.create(to=GUEST, from_=SENDER, body="x")

    assert statuses == {500, 502, 503}
    assert raised.value.status in {500, 502, 503}
    assert emulator.get("/counts")["total"] == 0
    assert emulator.get("/stats")["faults"]["server_error"] == 31


def test_a_seed_makes_faults_reproducible(emulator: Emulator) -> None:
    emulator.configure(seed=42, server_error_rate=0.3, rate_limit_rate=0.2)

    def run() -> list[int]:
        return [emulator.create(To=GUEST, From=SENDER, Body="x").status_code for _ in range(40)]

    first = run()
    emulator.post("/reset")
    second = run()

    assert first == second
    assert {201, 429} <= set(first)
    assert set(first) & {500, 502, 503}


def test_concurrency_cap_rejects_at_once(emulator: Emulator) -> None:
    emulator.configure(max_in_flight=5, latency=1.0)

    started = time.monotonic()
    statuses = asyncio.run(post_many(emulator, 20))

    assert statuses == Counter({201: 5, 429: 15})
    assert time.monotonic() - started < 5
    stats = emulator.get("/stats")
    assert stats["faults"]["concurrency_limited"] == 15
    assert stats["peak_in_flight"] == 5
    assert emulator.get("/counts")["total"] == 5


def test_slow_responses_time_out_but_the_message_is_stored(
    twilio_client: Client, emulator: Emulator
) -> None:
    emulator.configure(slow_rate=1.0, slow_delay=3)
    http_client = TwilioHttpClient(timeout=0.5)
    impatient = Client(emulator.account_sid, emulator.auth_token, http_client=http_client)
    impatient.api.base_url = emulator.url
    try:
        with pytest.raises(requests.exceptions.Timeout):
            impatient.messages.create(to=GUEST, from_=SENDER, body="x")
    finally:
        if http_client.session is not None:
            http_client.session.close()

    assert emulator.get("/counts") == {"counts": {GUEST: 1}, "total": 1}
    assert emulator.get("/stats")["faults"]["slow"] == 1
    assert len(twilio_client.messages.list(to=GUEST)) == 1
    # The emulator answers the abandoned request when its delay ends: wait for it, so that
    # the next test starts with nothing in flight.
    deadline = time.monotonic() + 10
    while emulator.get("/stats")["in_flight"] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert emulator.get("/stats")["in_flight"] == 0


def test_thousands_of_requests_in_flight(emulator: Emulator) -> None:
    emulator.configure(latency="0.5-0.5")

    started = time.monotonic()
    statuses = asyncio.run(post_many(emulator, 3000))
    elapsed = time.monotonic() - started

    assert statuses == Counter({201: 3000})
    assert elapsed < 20
    stats = emulator.get("/stats")
    assert stats["accepted_total"] == 3000
    assert stats["peak_in_flight"] >= 1000
    assert stats["in_flight"] == 0
    assert len(emulator.get("/counts")["counts"]) == 3000
