"""The sending engine's knobs, read from `SEND_*` environment variables."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass

from app.config import ConfigError, Settings
from app.sending.kinds import KINDS

# WhatsApp's business-initiated conversation tiers; `unlimited` (the default) skips the check.
UNLIMITED = ("", "unlimited", "none", "0")
# Twilio queues messages for at most four hours, then fails them.
PROVIDER_QUEUE_SECONDS = 4 * 3600
MAX_VALIDITY_PERIOD = 36_000
# A drain runs at most this many slices in a row, however idle the other queues are.
MAX_SLICES = 20


@dataclass(frozen=True)
class SendingSettings:
    """How the sender paces, retries, leases and recovers.

    `lease_seconds` is raised when needed so that a request started with at least
    `request_timeout + reconcile_grace` seconds of lease left always ends before the lease
    can expire, even if renewals stop (see `app.sending.sender`).
    """

    rate_per_second: float
    max_in_flight: int
    request_timeout: float
    validity_period: int = 14_400
    daily_tier: int | None = None
    max_attempts: int = 8
    backoff_base: float = 2.0
    backoff_max: float = 300.0
    lease_seconds: float = 40.0
    reconcile_grace: float = 5.0
    reconcile_skew: float = 120.0
    slice_seconds: float = 180.0
    sweep_interval: float = 10.0
    drainers: int = 1
    queue: str = "send"
    # A running campaign with due work and nothing settled for this long is stuck (/ready).
    stuck_after: float = 60.0

    @property
    def renew_interval(self) -> float:
        """How often a sender extends the leases of the invitations it holds."""
        return self.lease_seconds / 4

    @property
    def send_window(self) -> float:
        """Lease time a claim must still have for its request to start."""
        return self.request_timeout + self.reconcile_grace


def load_sending_settings(
    settings: Settings, environ: Mapping[str, str] | None = None
) -> SendingSettings:
    """Read the `SEND_*` variables; the app's settings give the rate, cap and timeout."""
    env = os.environ if environ is None else environ
    _check_template_settings(settings)
    timeout = settings.twilio.request_timeout
    grace = _number(env, "SEND_RECONCILE_GRACE", 5.0)
    minimum_lease = math.ceil((timeout + grace) * 4 / 3) + 1
    queue = env.get("SEND_QUEUE", "").strip() or (
        "send" if "send" in settings.queues else settings.queues[0]
    )
    return SendingSettings(
        rate_per_second=settings.send_rate_per_second,
        max_in_flight=settings.send_max_in_flight,
        request_timeout=timeout,
        validity_period=_validity_period(env),
        daily_tier=_daily_tier(env),
        max_attempts=int(_number(env, "SEND_MAX_ATTEMPTS", 8)),
        backoff_base=_number(env, "SEND_BACKOFF_BASE", 2.0),
        backoff_max=_number(env, "SEND_BACKOFF_MAX", 300.0),
        lease_seconds=max(_number(env, "SEND_LEASE_SECONDS", 40.0), minimum_lease),
        reconcile_grace=grace,
        reconcile_skew=_number(env, "SEND_RECONCILE_SKEW", 120.0),
        slice_seconds=_number(env, "SEND_SLICE_SECONDS", 180.0),
        sweep_interval=_number(env, "SEND_SWEEP_INTERVAL", 10.0),
        drainers=int(_number(env, "SEND_DRAINERS", 1)),
        queue=queue,
        stuck_after=_number(env, "SEND_STUCK_AFTER", 60.0),
    )


def _check_template_settings(settings: Settings) -> None:
    """Refuse a `TWILIO_*_CONTENT_SID(S)` that no kind of message reads (a typo)."""
    known = {spec.template_setting for spec in KINDS.values() if spec.template_setting}
    unknown = sorted(set(settings.twilio.content_templates) - known)
    if unknown:
        raise ConfigError(
            f"{unknown[0]}(S) is not a template setting; the kinds of message read"
            f" {', '.join(sorted(known))} (and each with an S, one per language)"
        )


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    """Parse a positive number, with a default."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if not value > 0:
        raise ConfigError(f"{name} must be positive, got {raw}")
    return value


def _validity_period(env: Mapping[str, str]) -> int:
    """`SEND_VALIDITY_PERIOD`: seconds Twilio may queue an invitation (1-36000)."""
    value = int(_number(env, "SEND_VALIDITY_PERIOD", 14_400))
    if value > MAX_VALIDITY_PERIOD:
        raise ConfigError(f"SEND_VALIDITY_PERIOD must be at most {MAX_VALIDITY_PERIOD}")
    return value


def _daily_tier(env: Mapping[str, str]) -> int | None:
    """`SEND_DAILY_TIER`: business-initiated conversations per 24 h, or None when unlimited."""
    raw = env.get("SEND_DAILY_TIER", "").strip().lower()
    if raw in UNLIMITED:
        return None
    return int(_number(env, "SEND_DAILY_TIER", 0))
