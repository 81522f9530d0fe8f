"""What a drain is given and what it reports: plain values, no behaviour."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from app.sending.message import MessageDefaults
from app.sending.results import Accepted, Failed, HandBack, Result, Retry, Unknown
from app.sending.settings import SendingSettings


class StopReason(StrEnum):
    """Why a drain ended."""

    IDLE = "idle"  # nothing due soon
    SLICE = "slice"  # its time slice is over; work may remain
    STOPPED = "stopped"  # SIGTERM, or the worker process died


@dataclass(frozen=True)
class SenderSetup:
    """Everything a drain needs, as plain values (built in the job from the app's settings)."""

    settings: SendingSettings
    defaults: MessageDefaults
    account_sid: str
    auth_token: str
    api_base_url: str
    redis_url: str
    owner: str
    # The Content API (questions with buttons create their contents there).
    content_base_url: str = "https://content.twilio.com"


@dataclass
class DrainReport:
    """What one drain did."""

    reason: StopReason = StopReason.IDLE
    claimed: int = 0
    refused: int = 0
    accepted: int = 0
    failed: int = 0
    retried: int = 0
    unknown: int = 0
    handed_back: int = 0

    def count(self, result: Result) -> None:
        """Add one result to the tallies."""
        if isinstance(result, Accepted):
            self.accepted += 1
        elif isinstance(result, Failed):
            self.failed += 1
        elif isinstance(result, Retry):
            self.retried += 1
        elif isinstance(result, Unknown):
            self.unknown += 1
        elif isinstance(result, HandBack):
            self.handed_back += 1
