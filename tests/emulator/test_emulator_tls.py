"""Webhooks to an https:// service whose certificate is private or self-signed (`--ca-file`)."""

from __future__ import annotations

import asyncio
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from app.emulator.config import ConfigError, EmulatorConfig
from app.emulator.webhooks import WebhookResult, WebhookSender
from tests.support.constants import SENDER, TEMPLATE_SID
from tests.support.emulator import Emulator, start_emulator, stop_emulator
from tests.support.receiver import Receiver

pytestmark = pytest.mark.slow

STATUS_PATH = "/webhooks/twilio/status"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, made by openssl."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "ec"),
            *("-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )
    return cert, key


@pytest.fixture
def tls_receiver(certificate: tuple[Path, Path]) -> Iterator[Receiver]:
    """The webhook receiver, serving https:// with the self-signed certificate."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    receiver = Receiver()
    receiver.server.socket = context.wrap_socket(receiver.server.socket, server_side=True)
    receiver.base_url = receiver.base_url.replace("http://", "https://")
    with receiver:
        yield receiver


def post_once(url: str, ca_file: str | None) -> WebhookResult:
    """POST one signed webhook with the emulator's sender, as a status callback goes."""

    async def post() -> WebhookResult:
        sender = WebhookSender(concurrency=1, ca_file=ca_file)
        await sender.start()
        try:
            return await sender.post(url, {"A": "1"}, auth_token="t", retries=0, timeout=10)
        finally:
            await sender.close()

    return asyncio.run(post())


def test_without_the_ca_file_the_error_says_how_to_trust_the_certificate(
    tls_receiver: Receiver,
) -> None:
    result = post_once(f"{tls_receiver.base_url}{STATUS_PATH}", ca_file=None)

    assert result.status is None
    assert result.error is not None
    assert "CERTIFICATE_VERIFY_FAILED" in result.error
    assert "with --ca-file or EMULATOR_CA_FILE" in result.error
    assert tls_receiver.requests == []


def test_with_the_ca_file_the_webhook_arrives(
    tls_receiver: Receiver, certificate: tuple[Path, Path]
) -> None:
    result = post_once(f"{tls_receiver.base_url}{STATUS_PATH}", ca_file=str(certificate[0]))

    assert result.ok, result
    assert [request.form for request in tls_receiver.requests] == [{"A": "1"}]


def test_the_emulator_sends_status_callbacks_over_https_with_ca_file(
    tls_receiver: Receiver, certificate: tuple[Path, Path], tmp_path: Path
) -> None:
    process, url = start_emulator(
        tmp_path / "emulator.log", "--callback-delay", "0.01-0.05", "--ca-file", str(certificate[0])
    )
    emulator = Emulator(url)
    http_client = TwilioHttpClient(timeout=30)
    try:
        client = Client(emulator.account_sid, emulator.auth_token, http_client=http_client)
        client.api.base_url = url
        client.messages.create(
            to="whatsapp:+12025550123",
            from_=SENDER,
            content_sid=TEMPLATE_SID,
            status_callback=f"{tls_receiver.base_url}{STATUS_PATH}",
        )
        callbacks = tls_receiver.wait_for(3, STATUS_PATH)
    finally:
        emulator.session.close()
        if http_client.session is not None:
            http_client.session.close()
        assert stop_emulator(process) == 0
    assert [c.form["MessageStatus"] for c in callbacks] == ["sent", "delivered", "read"]
    assert callbacks[0].url.startswith("https://127.0.0.1:")


def test_a_ca_file_that_is_not_a_pem_bundle_stops_the_emulator_at_start(tmp_path: Path) -> None:
    not_pem = tmp_path / "ca.pem"
    not_pem.write_text("not a certificate\n")

    for path in (not_pem, tmp_path / "missing.pem"):
        with pytest.raises(ConfigError, match=r"^ca_file: .* is not a readable PEM bundle"):
            EmulatorConfig().patched({"ca_file": str(path)}, startup=True)
    assert EmulatorConfig().patched({"ca_file": ""}, startup=True).ca_file is None
