"""Twilio error codes: what they mean for a guest, and what the sender should do."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ErrorKind(StrEnum):
    """How the sender treats an error."""

    PERMANENT = "permanent"  # this guest can't get this message: fail it now
    UNREACHABLE = "unreachable"  # this number can never receive: fail and mark the guest
    SLOW_DOWN = "slow_down"  # the sender is over a limit: back off the whole campaign
    TRANSIENT = "transient"  # retry this message with backoff


@dataclass(frozen=True)
class TwilioError:
    """A known error code with a reason a person can read."""

    code: int
    kind: ErrorKind
    reason: str


KNOWN_ERRORS = {
    error.code: error
    for error in (
        TwilioError(20429, ErrorKind.TRANSIENT, "Too many concurrent requests to Twilio"),
        TwilioError(21211, ErrorKind.UNREACHABLE, "The phone number is not valid"),
        TwilioError(21408, ErrorKind.PERMANENT, "Sending to this region is not enabled"),
        TwilioError(21610, ErrorKind.UNREACHABLE, "The guest has opted out of messages"),
        TwilioError(21612, ErrorKind.PERMANENT, "Twilio cannot route to this number"),
        TwilioError(21614, ErrorKind.UNREACHABLE, "The number cannot receive messages"),
        TwilioError(21656, ErrorKind.PERMANENT, "The template variables are invalid"),
        TwilioError(30001, ErrorKind.SLOW_DOWN, "Twilio's queue for this sender overflowed"),
        TwilioError(30003, ErrorKind.PERMANENT, "The guest's phone is unreachable"),
        TwilioError(30005, ErrorKind.UNREACHABLE, "The number is unknown or no longer exists"),
        TwilioError(30006, ErrorKind.UNREACHABLE, "The number is a landline or unreachable"),
        TwilioError(30007, ErrorKind.PERMANENT, "The carrier filtered the message"),
        TwilioError(30008, ErrorKind.PERMANENT, "Delivery failed for an unknown reason"),
        TwilioError(30036, ErrorKind.TRANSIENT, "The message expired before it could be sent"),
        TwilioError(63003, ErrorKind.PERMANENT, "WhatsApp could not deliver to this number"),
        TwilioError(63016, ErrorKind.PERMANENT, "Outside the 24-hour window: use a template"),
        TwilioError(63018, ErrorKind.SLOW_DOWN, "The WhatsApp sender's rate limit was exceeded"),
        TwilioError(63024, ErrorKind.UNREACHABLE, "The number is not a WhatsApp user"),
        TwilioError(63032, ErrorKind.UNREACHABLE, "The guest has opted out of this business"),
    )
}

# HTTP statuses that are worth retrying when the body has no better code.
TRANSIENT_HTTP_STATUSES = frozenset({429, 500, 502, 503, 504})


def classify(code: int | None, http_status: int | None = None) -> TwilioError:
    """Return what an error means; unknown codes are transient only for 429 and 5xx."""
    if code is not None and code in KNOWN_ERRORS:
        return KNOWN_ERRORS[code]
    if http_status in TRANSIENT_HTTP_STATUSES:
        return TwilioError(code or 0, ErrorKind.TRANSIENT, f"Twilio answered HTTP {http_status}")
    label = f"Twilio error {code}" if code else f"Twilio answered HTTP {http_status}"
    return TwilioError(code or 0, ErrorKind.PERMANENT, label)


def reason_for(code: int | None) -> str:
    """A human-readable reason for an error code from a status callback."""
    if code is None:
        return "Delivery failed"
    known = KNOWN_ERRORS.get(code)
    return known.reason if known else f"Twilio error {code}"
