"""The async twilio client: sized pool, explicit timeouts, and what a failure tells us."""

from __future__ import annotations

import asyncio

from app.sending.client import OutcomeKind, ProviderClient, SendOutcome
from tests.support.constants import SENDER
from tests.support.emulator import Emulator
from tests.support.factories import phone

ACCOUNT = "AC" + "a" * 32
TOKEN = "emulator-auth-token"
PARAMS = {"To": f"whatsapp:{phone(0)}", "From": SENDER, "Body": "Hi"}


def send(base_url: str, timeout: float = 5, params: dict[str, str] | None = None) -> SendOutcome:
    """Send one message through a fresh client."""

    async def run() -> SendOutcome:
        provider = ProviderClient(ACCOUNT, TOKEN, base_url, timeout=timeout, max_in_flight=300)
        try:
            assert provider.http.session.connector is not None
            assert provider.http.session.connector.limit == 320
            return await provider.send(params or PARAMS)
        finally:
            await provider.close()

    return asyncio.run(run())


def test_an_accepted_message_has_a_sid(emulator: Emulator) -> None:
    outcome = send(emulator.url)

    assert outcome.kind is OutcomeKind.ACCEPTED and outcome.status == "queued"
    assert outcome.sid in {m["sid"] for m in emulator.messages()}


def test_no_connection_means_not_sent() -> None:
    outcome = send("http://127.0.0.1:9")

    assert outcome.kind is OutcomeKind.NOT_SENT


def test_a_response_slower_than_the_timeout_is_unknown(emulator: Emulator) -> None:
    emulator.configure(slow_rate=1.0, slow_delay=3)

    outcome = send(emulator.url, timeout=1)

    assert outcome.kind is OutcomeKind.UNKNOWN
    assert len(emulator.messages()) == 1  # it was sent: only reconciliation can tell


def test_a_throttled_answer_carries_retry_after(emulator: Emulator) -> None:
    emulator.configure(rate_limit_rate=1.0, retry_after=4)

    outcome = send(emulator.url)

    assert (outcome.kind, outcome.http_status, outcome.code, outcome.retry_after) == (
        OutcomeKind.REJECTED,
        429,
        20429,
        4.0,
    )
