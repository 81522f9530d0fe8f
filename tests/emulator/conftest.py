"""Fixtures: one emulator process per run, reset per test; a twilio client; a webhook receiver."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from tests.support.emulator import Emulator, start_emulator, stop_emulator
from tests.support.receiver import Receiver


@pytest.fixture(scope="session")
def emulator_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """One emulator process for the whole run, with fast callbacks."""
    log_path = tmp_path_factory.mktemp("emulator") / "emulator.log"
    process, url = start_emulator(
        log_path, "--callback-delay", "0.01-0.05", "--auto-reply-delay", "0.05-0.1"
    )
    handle = Emulator(url)
    yield handle
    handle.session.close()
    assert stop_emulator(process) == 0
    log = log_path.read_text(errors="replace")
    assert "Traceback" not in log, log
    assert "Error handling request" not in log, log


@pytest.fixture
def emulator(emulator_server: Emulator) -> Emulator:
    """The emulator, reset to its start configuration with no messages."""
    response = emulator_server.post("/reset", {"config": True})
    assert response.status_code == 200, response.text
    return emulator_server


@pytest.fixture
def twilio_client(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
    """The real twilio client, pointed at the emulator through `client.api.base_url`."""
    monkeypatch.delenv("TWILIO_EDGE", raising=False)
    monkeypatch.delenv("TWILIO_REGION", raising=False)
    http_client = TwilioHttpClient(timeout=30)
    client = Client(emulator.account_sid, emulator.auth_token, http_client=http_client)
    client.api.base_url = emulator.url
    yield client
    if http_client.session is not None:
        http_client.session.close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver on a free local port."""
    server = Receiver()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()
    server.thread.join(timeout=5)
