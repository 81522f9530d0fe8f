"""In-memory state of the emulator: accepted messages, opt-outs and counters."""

from __future__ import annotations

import secrets
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

API_VERSION = "2010-04-01"
# Rank of each status along WhatsApp's flow, so that a late callback never moves it back.
STATUS_RANK = {
    "accepted": 0,
    "queued": 1,
    "sending": 2,
    "sent": 3,
    "failed": 4,
    "delivered": 4,
    "undelivered": 4,
    "read": 5,
}


def new_sid(prefix: str = "SM") -> str:
    """Return a new random SID such as `SM` + 32 hex digits."""
    return prefix + secrets.token_hex(16)


def utc_now() -> datetime:
    """Return the current UTC time to the second, as Twilio stores it."""
    return datetime.now(UTC).replace(microsecond=0)


def rfc2822(moment: datetime | None) -> str | None:
    """Format a datetime as Twilio does, e.g. `Mon, 23 Nov 2026 18:00:00 +0000`."""
    return format_datetime(moment) if moment else None


@dataclass
class StoredMessage:
    """One accepted outbound message, with the request parameters it was created with."""

    sid: str
    account_sid: str
    to: str
    from_: str | None
    messaging_service_sid: str | None
    body: str
    params: dict[str, str]
    status: str
    date_created: datetime = field(default_factory=utc_now)
    date_updated: datetime | None = None
    date_sent: datetime | None = None
    error_code: int | None = None
    error_message: str | None = None
    direction: str = "outbound-api"
    # The media a content template shows (its header image), as Twilio lists the Media.
    media: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        """Stamp the update time at creation; `date_sent` stays empty while it is queued."""
        self.date_updated = self.date_updated or self.date_created

    @property
    def uri(self) -> str:
        """Return the resource's URI."""
        return f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{self.sid}.json"

    def advance(self, status: str, sender: str) -> bool:
        """Move to `status` if it is further along the flow; return whether it moved."""
        if STATUS_RANK.get(status, 0) <= STATUS_RANK.get(self.status, 0):
            return False
        self.status = status
        self.from_ = self.from_ or sender
        self.date_updated = utc_now()
        if self.date_sent is None and STATUS_RANK[status] >= STATUS_RANK["sending"]:
            self.date_sent = self.date_updated
        return True

    def fail(self, code: int, message: str) -> None:
        """Record a delivery failure."""
        self.error_code = code
        self.error_message = message

    def resource(self) -> dict[str, Any]:
        """Return the Message resource exactly as the REST API shows it."""
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": self.body,
            "date_created": rfc2822(self.date_created),
            "date_sent": rfc2822(self.date_sent),
            "date_updated": rfc2822(self.date_updated),
            "direction": self.direction,
            "error_code": self.error_code,
            "error_message": self.error_message,
            "from": self.from_,
            "messaging_service_sid": self.messaging_service_sid,
            "num_media": str(len(self.media)),
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": self.sid,
            "status": self.status,
            "subresource_uris": {"media": self.uri.removesuffix(".json") + "/Media.json"},
            "to": self.to,
            "uri": self.uri,
        }

    def inspect(self) -> dict[str, Any]:
        """Return the resource plus the request parameters, for tests to look at."""
        params = self.params
        validity = params.get("ValidityPeriod")
        return {
            **self.resource(),
            "content_sid": params.get("ContentSid"),
            "content_variables": params.get("ContentVariables"),
            "media_urls": list(self.media),
            "status_callback": params.get("StatusCallback"),
            "validity_period": int(validity) if validity else None,
            "params": dict(params),
        }


@dataclass
class Stats:
    """Counters reported by `/_emulator/stats`."""

    started: float = field(default_factory=time.monotonic)
    requests_total: int = 0
    create_requests: int = 0
    accepted_total: int = 0
    in_flight: int = 0
    peak_in_flight: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    callbacks: Counter[str] = field(default_factory=Counter)
    replies: Counter[str] = field(default_factory=Counter)

    def enter(self) -> None:
        """Count a create request entering the handler."""
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)

    def leave(self) -> None:
        """Count a create request leaving the handler."""
        self.in_flight -= 1

    def to_json(self, pending_tasks: int) -> dict[str, Any]:
        """Return the counters as JSON."""
        return {
            "requests_total": self.requests_total,
            "create_requests": self.create_requests,
            "accepted_total": self.accepted_total,
            "in_flight": self.in_flight,
            "peak_in_flight": self.peak_in_flight,
            "rejected": dict(self.rejected),
            "faults": {kind: self.faults[kind] for kind in FAULT_KINDS},
            "callbacks": {
                **{kind: self.callbacks[kind] for kind in ("sent", "failed", "retried")},
                "pending_tasks": pending_tasks,
            },
            "replies": {kind: self.replies[kind] for kind in ("sent", "failed")},
            "uptime_seconds": round(time.monotonic() - self.started, 3),
        }


FAULT_KINDS = ("server_error", "rate_limited", "concurrency_limited", "slow", "lost")


class MessageStore:
    """Accepted messages in creation order, per-recipient counts and the opt-out list."""

    def __init__(self, opted_out: Iterable[str] = ()) -> None:
        self.messages: dict[str, StoredMessage] = {}
        self.counts: Counter[str] = Counter()
        self.optouts: set[str] = set(opted_out)
        self.stats = Stats()
        # When each number last wrote to the sender (a guest's reply): its 24-hour window.
        self.last_inbound: dict[str, float] = {}
        # What each guest has said so far: yes, no, maybe, stop, or asked (guests.py).
        self.said: dict[str, str] = {}

    def reset(self, opted_out: Iterable[str]) -> None:
        """Forget every message and counter; restore the opt-out list to `opted_out`."""
        in_flight = self.stats.in_flight
        self.messages.clear()
        self.counts.clear()
        self.last_inbound.clear()
        self.said.clear()
        self.optouts = set(opted_out)
        self.stats = Stats(in_flight=in_flight, peak_in_flight=in_flight)

    def add(self, message: StoredMessage) -> None:
        """Store an accepted message; count it when it was created through the API.

        The TwiML answers to inbound webhooks (`outbound-reply`) are listed like any message
        but not counted: the counts and `accepted_total` are what the API accepted.
        """
        self.messages[message.sid] = message
        if message.direction == "outbound-api":
            self.counts[message.to] += 1
            self.stats.accepted_total += 1

    def get(self, sid: str) -> StoredMessage | None:
        """Return the message with this SID, if any."""
        return self.messages.get(sid)

    def newest_first(self) -> Iterator[StoredMessage]:
        """Iterate over messages from the most recent, as Twilio lists them."""
        return reversed(self.messages.values())

    def latest_to(self, to: str) -> StoredMessage | None:
        """Return the most recent API message sent to this recipient (with or without channel)."""
        wanted = {to, f"whatsapp:{to.removeprefix('whatsapp:')}", to.removeprefix("whatsapp:")}
        return next(
            (
                msg
                for msg in self.newest_first()
                if msg.to in wanted and msg.direction == "outbound-api"
            ),
            None,
        )
