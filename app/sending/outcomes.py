"""Turn the provider's answer to one request into what happens to the invitation.

- 2xx with a SID: accepted.
- No connection made: not sent, retried with backoff (no reconciliation needed).
- Timeout or connection lost after the request left: unknown, reconciled before any resend.
- 429 / 20429: not processed; retried after `Retry-After` without using up an attempt, and
  the sender's shared pace is cut.
- 5xx and other transient codes: retried with exponential backoff and jitter, up to
  `SEND_MAX_ATTEMPTS`, then failed.
- 63018 / 30001 (the sender's own limits): the whole sender is slowed and held; the
  invitation waits and retries without using up an attempt.
- 401 / 403: the account is misconfigured, not the guest: retried later, never failed.
- Permanent codes (21211, 21610, 21656, 63016, 63024, ...): failed at once with the code and
  a readable reason; numbers that can never receive mark the guest unreachable.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import StrEnum

from app.sending.claims import Claim
from app.sending.client import OutcomeKind, SendOutcome
from app.sending.results import Accepted, Failed, Result, Retry, Unknown
from app.sending.twilio_errors import ErrorKind, classify

THROTTLED_STATUS = 429
TOO_MANY_CONCURRENT = 20429
ACCOUNT_STATUSES = frozenset({401, 403})
ACCOUNT_RETRY = 60.0
# A sender-limit error holds the invitation at least this long.
SLOW_DOWN_RETRY = 10.0


class Pacing(StrEnum):
    """What the interpretation asks of the shared limiter."""

    NONE = "none"
    THROTTLED = "throttled"  # a 429: cut the pace, hold for Retry-After
    SLOWED = "slowed"  # a sender limit (63018, 30001) or account error: cut and hold longer


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently transient failures are retried."""

    max_attempts: int
    base: float
    cap: float


@dataclass(frozen=True)
class Interpretation:
    """The result to write, and what the limiter should do about it."""

    result: Result
    pacing: Pacing = Pacing.NONE
    retry_after: float | None = None


def backoff(attempt_count: int, policy: RetryPolicy) -> float:
    """Exponential backoff with jitter: half to all of `base * 2^(n-1)`, at most `cap`."""
    ceiling = min(policy.cap, policy.base * 2 ** max(0, attempt_count - 1))
    return random.uniform(ceiling / 2, ceiling)


def interpret(claim: Claim, outcome: SendOutcome, policy: RetryPolicy) -> Interpretation:
    """Decide what one request's outcome means for its invitation."""
    ids = (claim.invitation_id, claim.attempt_id)
    if outcome.kind is OutcomeKind.ACCEPTED:
        assert outcome.sid is not None
        return Interpretation(Accepted(*ids, outcome.sid, outcome.status, outcome.http_status))
    if outcome.kind is OutcomeKind.UNKNOWN:
        return Interpretation(Unknown(*ids, outcome.message or "no answer"))
    if outcome.kind is OutcomeKind.NOT_SENT:
        reason = "Could not connect to Twilio"
        return Interpretation(
            retry_or_fail(claim, policy, reason=reason, message=outcome.message, reached=False)
        )
    return interpret_rejection(claim, outcome, policy)


def interpret_rejection(claim: Claim, outcome: SendOutcome, policy: RetryPolicy) -> Interpretation:
    """Decide what an error answer means, by its Twilio code and HTTP status."""
    ids = (claim.invitation_id, claim.attempt_id)
    status, code, message = outcome.http_status, outcome.code, outcome.message
    error = classify(code, status)
    if status == THROTTLED_STATUS or code == TOO_MANY_CONCURRENT:
        delay = max(outcome.retry_after or 1.0, 0.5) + random.uniform(0, 1)
        retry = Retry(*ids, delay, code, error.reason, status, message, counted=False)
        return Interpretation(retry, Pacing.THROTTLED, outcome.retry_after)
    if status in ACCOUNT_STATUSES:
        retry = Retry(*ids, ACCOUNT_RETRY, code, error.reason, status, message, counted=False)
        return Interpretation(retry, Pacing.SLOWED)
    if error.kind is ErrorKind.SLOW_DOWN:
        delay = max(SLOW_DOWN_RETRY, backoff(claim.attempt_count, policy))
        retry = Retry(*ids, delay, code, error.reason, status, message, counted=False)
        return Interpretation(retry, Pacing.SLOWED)
    if error.kind is ErrorKind.TRANSIENT:
        return Interpretation(
            retry_or_fail(
                claim, policy, code=code, reason=error.reason, status=status, message=message
            )
        )
    failed = Failed(
        *ids,
        guest_id=claim.guest_id,
        phone=claim.invitee.phone,
        code=code,
        reason=error.reason,
        http_status=status,
        message=message,
    )
    return Interpretation(failed)


def retry_or_fail(
    claim: Claim,
    policy: RetryPolicy,
    *,
    reason: str,
    code: int | None = None,
    status: int | None = None,
    message: str | None = None,
    reached: bool = True,
) -> Result:
    """Retry with backoff, or fail once the invitation has used all its attempts."""
    ids = (claim.invitation_id, claim.attempt_id)
    if claim.attempt_count >= policy.max_attempts:
        return Failed(
            *ids,
            guest_id=claim.guest_id,
            phone=claim.invitee.phone,
            code=code,
            reason=f"Gave up after {claim.attempt_count} attempts: {reason}",
            http_status=status,
            message=message,
        )
    delay = backoff(claim.attempt_count, policy)
    return Retry(*ids, delay, code, reason, status, message, reached=reached)
