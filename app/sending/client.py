"""twilio's asyncio client, sized and bounded for hundreds of concurrent sends.

One `ProviderClient` per event loop: a single aiohttp session whose connector is sized to
the in-flight cap (aiohttp's default of 100 connections would cap a 5-10 s provider at
~13 messages/s), every request bounded by an explicit `ClientTimeout` (twilio's async
client passes none, which aiohttp reads as five minutes), no automatic retries (a retried
POST can send twice), and no request logging (it would print guests' numbers at INFO).
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, cast

import aiohttp
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client
from twilio.rest.content.v1.content import ContentList

log = logging.getLogger(__name__)

API_VERSION = "2010-04-01"
CONNECT_TIMEOUT = 5.0
# Connections kept for reconciliation's list calls on top of the in-flight cap.
EXTRA_CONNECTIONS = 20
LIST_PAGE_SIZE = 50
LIST_MAX_PAGES = 5


class OutcomeKind(StrEnum):
    """What one create request tells us about the message."""

    ACCEPTED = "accepted"  # 2xx with a Message SID
    REJECTED = "rejected"  # the provider answered with an error: it did not create it
    NOT_SENT = "not_sent"  # no connection was made: the request never left
    UNKNOWN = "unknown"  # timeout or connection lost after sending: reconcile first


@dataclass(frozen=True)
class SendOutcome:
    """The result of one create request."""

    kind: OutcomeKind
    sid: str | None = None
    status: str | None = None
    http_status: int | None = None
    code: int | None = None
    message: str | None = None
    retry_after: float | None = None


@dataclass(frozen=True)
class ProviderMessage:
    """A message as the provider lists it, with what reconciliation matches on."""

    sid: str
    to: str
    from_: str | None
    messaging_service_sid: str | None
    date_created: datetime | None
    status: str | None
    direction: str | None = None
    body: str = ""


class ProviderUnavailable(RuntimeError):
    """The provider could not be asked (error answer, timeout, connection failure)."""


class ContentRefused(ValueError):
    """The Content API refused to create a content (a 4xx other than 429): it will again."""


class BoundedAsyncHttpClient(AsyncTwilioHttpClient):
    """twilio's `AsyncTwilioHttpClient` with a sized connector and explicit timeouts."""

    def __init__(self, timeout: float, pool_size: int) -> None:
        super().__init__(pool_connections=False, timeout=timeout)
        self.client_timeout = aiohttp.ClientTimeout(
            total=timeout, sock_connect=min(CONNECT_TIMEOUT, timeout)
        )
        connector = aiohttp.TCPConnector(limit=pool_size, limit_per_host=0, ttl_dns_cache=300)
        self.session = aiohttp.ClientSession(connector=connector, timeout=self.client_timeout)
        self._auth: tuple[tuple[str, str], str] | None = None

    async def request(  # noqa: PLR0917 - twilio's HttpClient signature
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        """Make one request on the shared session; never retried, always bounded in time."""
        bounded = self.client_timeout if timeout is None else aiohttp.ClientTimeout(total=timeout)
        headers = dict(headers or {})
        if auth is not None:
            headers["Authorization"] = self._authorization(auth)
        # The Content API takes JSON (twilio's own clients send it so on this header).
        as_json = headers.get("Content-Type") == "application/json"
        async with self.session.request(
            method.upper(),
            url,
            params=cast(Mapping[str, str], params),
            data=None if as_json else data,
            json=data if as_json else None,
            headers=headers,
            timeout=bounded,
            allow_redirects=allow_redirects,
        ) as response:
            text = await response.text()
            return Response(response.status, text, response.headers)

    def _authorization(self, auth: tuple[str, str]) -> str:
        """The Basic Authorization header of the account, built once."""
        if self._auth is None or self._auth[0] != auth:
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
            self._auth = (auth, f"Basic {token}")
        return self._auth[1]


class ProviderClient:
    """Create and list Messages through twilio's asyncio client; build it inside the loop."""

    def __init__(  # noqa: PLR0917 - twilio's account, its two APIs and the bounds
        self,
        account_sid: str,
        auth_token: str,
        base_url: str,
        timeout: float,
        max_in_flight: int,
        content_base_url: str | None = None,
    ) -> None:
        self.http = BoundedAsyncHttpClient(timeout, max_in_flight + EXTRA_CONNECTIONS)
        self.client = Client(account_sid, auth_token, http_client=self.http)
        # TWILIO_EDGE / TWILIO_REGION in the environment would rewrite the host.
        self.client.edge = None
        self.client.region = None
        self.client.api.base_url = base_url.rstrip("/")
        if content_base_url:
            self.client.content.base_url = content_base_url.rstrip("/")
        self.messages_url = (
            f"{self.client.api.base_url}/{API_VERSION}/Accounts/{account_sid}/Messages.json"
        )
        self.timeout = timeout

    async def close(self) -> None:
        """Close the session and its connections."""
        await self.http.session.close()

    async def send(self, params: dict[str, str]) -> SendOutcome:
        """POST one message; classify what the answer (or its absence) says."""
        try:
            response = await self.client.request_async("POST", self.messages_url, data=params)
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as error:
            return SendOutcome(OutcomeKind.NOT_SENT, message=describe(error))
        except (TimeoutError, aiohttp.ClientError) as error:
            return SendOutcome(OutcomeKind.UNKNOWN, message=describe(error))
        return outcome_of(response.status_code, response.text, response.headers)

    async def create_content(self, request: Mapping[str, Any]) -> str:
        """Create a content through the Content API; its SID.

        Raises:
            ContentRefused: Twilio refused it (a 4xx but 429): it would refuse it again.
            ProviderUnavailable: no answer, or one that may change (429, 5xx).
        """
        try:
            created = await self.client.content.v1.contents.create_async(
                ContentList.ContentCreateRequest(dict(request))
            )
        except TwilioRestException as error:
            if 400 <= error.status < 500 and error.status != 429:
                raise ContentRefused(f"{error.status}/{error.code}: {error.msg}") from error
            raise ProviderUnavailable(describe(error)) from error
        except (TwilioException, TimeoutError, aiohttp.ClientError) as error:
            raise ProviderUnavailable(describe(error)) from error
        return str(created.sid)

    async def recent_messages(self, to: str, sender: str, since: datetime) -> list[ProviderMessage]:
        """Messages the API created to `to` from `sender` since `since`, oldest first.

        Lists by recipient (and sender address) without a date filter: Twilio's `DateSent`
        filters leave out messages still queued, which have no `date_sent`. The list is
        newest first, so paging stops at the first page that reaches past `since`. TwiML
        answers to webhooks (`outbound-reply`) and inbound messages are left out: only what
        the REST API created can be an invitation.
        """
        from_ = None if sender.startswith("MG") else sender
        found = await self._list(to, from_, since)
        matching = [
            m
            for m in found
            if m.direction in (None, "outbound-api")
            and sent_by(m, sender)
            and created_since(m, since)
        ]
        unique = {message.sid: message for message in matching}
        return sorted(unique.values(), key=lambda m: (m.date_created or since, m.sid))

    async def _list(self, to: str, from_: str | None, since: datetime) -> list[ProviderMessage]:
        """Read pages of the Message list (newest first) until one reaches before `since`."""
        filters: dict[str, Any] = {"to": to, "page_size": LIST_PAGE_SIZE}
        if from_:
            filters["from_"] = from_
        found: list[ProviderMessage] = []
        try:
            page = await self.client.api.v2010.account.messages.page_async(**filters)
            for _ in range(LIST_MAX_PAGES):
                records = [provider_message(record) for record in page]
                found.extend(records)
                if any(r.date_created is not None and r.date_created < since for r in records):
                    break
                page = await page.next_page_async()
                if page is None:
                    break
        except (TwilioException, TimeoutError, aiohttp.ClientError) as error:
            raise ProviderUnavailable(describe(error)) from error
        return found


def outcome_of(status: int, text: str, headers: Any) -> SendOutcome:
    """Classify a create answer: 2xx accepted, anything else rejected with its code."""
    body = parse_json(text)
    if 200 <= status < 300:
        sid = body.get("sid")
        if isinstance(sid, str):
            return SendOutcome(
                OutcomeKind.ACCEPTED, sid=sid, status=body.get("status"), http_status=status
            )
        # A 2xx without a SID created something we cannot identify: reconcile it.
        return SendOutcome(OutcomeKind.UNKNOWN, http_status=status, message="2xx without a sid")
    code = body.get("code")
    return SendOutcome(
        OutcomeKind.REJECTED,
        http_status=status,
        code=code if isinstance(code, int) else None,
        message=str(body.get("message") or f"HTTP {status}")[:500],
        retry_after=retry_after_seconds(headers.get("Retry-After") if headers else None),
    )


def parse_json(text: str) -> dict[str, Any]:
    """The JSON object of a body, or an empty dict (a proxy's HTML 502 page, say)."""
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def retry_after_seconds(value: str | None) -> float | None:
    """`Retry-After` in seconds (delta form; an HTTP date is read as no hint)."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def provider_message(record: Any) -> ProviderMessage:
    """The fields reconciliation needs from a twilio `MessageInstance`."""
    return ProviderMessage(
        sid=record.sid,
        to=record.to,
        from_=record.from_,
        messaging_service_sid=record.messaging_service_sid,
        date_created=record.date_created,
        status=str(record.status) if record.status is not None else None,
        direction=str(record.direction) if record.direction is not None else None,
        body=record.body or "",
    )


def sent_by(message: ProviderMessage, sender: str) -> bool:
    """Whether the message went out from our sender (address or Messaging Service)."""
    return sender in (message.from_, message.messaging_service_sid)


def created_since(message: ProviderMessage, since: datetime) -> bool:
    """Whether the message was created at or after `since` (unknown dates count)."""
    return message.date_created is None or message.date_created >= since


def describe(error: BaseException) -> str:
    """A short description of a transport error, for attempt rows and logs."""
    text = str(error) or type(error).__name__
    return f"{type(error).__name__}: {text}"[:300]


async def close_quietly(provider: ProviderClient) -> None:
    """Close a provider client, ignoring a loop that is already shutting down."""
    try:
        await provider.close()
    except (RuntimeError, asyncio.CancelledError):
        log.debug("provider client closed during shutdown")
