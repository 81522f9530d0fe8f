"""Signed outgoing webhooks (status callbacks, guest replies) over one shared session."""

from __future__ import annotations

import asyncio
import logging
import ssl
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

import aiohttp
from twilio.request_validator import RequestValidator

log = logging.getLogger(__name__)

USER_AGENT = "TwilioProxy/1.1"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
RETRY_BACKOFF_SECONDS = 0.5


@dataclass(frozen=True)
class WebhookResult:
    """What the receiving server answered, or why it could not be reached."""

    status: int | None
    body: str
    attempts: int
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Return whether the receiver answered 2xx."""
        return self.status is not None and 200 <= self.status < 300


def sign(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """Return the `X-Twilio-Signature` Twilio would send for this URL and form."""
    signature: str = RequestValidator(auth_token).compute_signature(url, params)
    return signature


class WebhookSender:
    """POST signed forms with bounded concurrency, a timeout and a few retries."""

    def __init__(self, concurrency: int, ca_file: str | None = None) -> None:
        self.semaphore = asyncio.Semaphore(concurrency)
        self.ca_file = ca_file
        self.session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        """Open the shared client session (needs the running loop)."""
        connector = aiohttp.TCPConnector(limit=0, limit_per_host=0, ssl=self.tls_context())
        self.session = aiohttp.ClientSession(
            connector=connector, cookie_jar=aiohttp.DummyCookieJar(), auto_decompress=False
        )

    def tls_context(self) -> ssl.SSLContext | bool:
        """Verify https:// receivers against the system's CAs, plus `ca_file` when given."""
        if self.ca_file is None:
            return True  # aiohttp's default verification
        context = ssl.create_default_context()
        context.load_verify_locations(cafile=self.ca_file)
        return context

    async def close(self) -> None:
        """Close the shared client session."""
        if self.session is not None:
            await self.session.close()
            self.session = None

    async def post(
        self,
        url: str,
        params: Mapping[str, str],
        *,
        auth_token: str,
        retries: int,
        timeout: float,
    ) -> WebhookResult:
        """POST `params` to `url`, signed; retry network errors and 5xx `retries` times."""
        target = url.split("#", 1)[0]  # Twilio keeps fragment overrides to itself
        headers = {
            "Content-Type": FORM_CONTENT_TYPE,
            "X-Twilio-Signature": sign(auth_token, target, params),
            "User-Agent": USER_AGENT,
            "I-Twilio-Idempotency-Token": str(uuid.uuid4()),
        }
        body = urlencode(params).encode()  # cheaper than letting aiohttp build a FormData
        result = WebhookResult(None, "", 0, "not attempted")
        for attempt in range(1, retries + 2):
            if attempt > 1:
                await asyncio.sleep(RETRY_BACKOFF_SECONDS * (attempt - 1))
            result = await self._attempt(target, body, headers, timeout, attempt)
            if result.status is not None and result.status < 500:
                break
            log.warning("webhook %s attempt %d failed: %s", target, attempt, result.error)
        return result

    async def _attempt(
        self,
        url: str,
        body: bytes,
        headers: Mapping[str, str],
        timeout: float,
        attempt: int,
    ) -> WebhookResult:
        """Make one POST; turn network errors and timeouts into a result."""
        if self.session is None:
            raise RuntimeError("WebhookSender.start() was not called")
        async with self.semaphore:
            try:
                async with self.session.post(
                    url,
                    data=body,
                    headers=headers,
                    timeout=aiohttp.ClientTimeout(total=timeout),
                    allow_redirects=False,
                ) as response:
                    text = await response.text(errors="replace")
                    error = None if response.status < 500 else f"HTTP {response.status}"
                    return WebhookResult(response.status, text, attempt, error)
            except aiohttp.ClientConnectorCertificateError as exc:
                return WebhookResult(None, "", attempt, certificate_error(exc))
            except (aiohttp.ClientError, TimeoutError) as exc:
                return WebhookResult(None, "", attempt, f"{type(exc).__name__}: {exc}")


def certificate_error(exc: aiohttp.ClientConnectorCertificateError) -> str:
    """The verification failure, and how to trust a private or self-signed certificate."""
    return (
        f"{type(exc).__name__}: {exc}; to trust the receiver's certificate, give its PEM"
        " (or its CA's) with --ca-file or EMULATOR_CA_FILE"
    )
