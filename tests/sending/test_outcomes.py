"""What each provider answer means for the invitation, the attempt and the limiter."""

from __future__ import annotations

import pytest

from app.sending.claims import Claim
from app.sending.client import OutcomeKind, SendOutcome, outcome_of, retry_after_seconds
from app.sending.message import Invitee
from app.sending.outcomes import Pacing, RetryPolicy, backoff, interpret
from app.sending.reachability import effect_of
from app.sending.results import Accepted, Failed, Retry, Unknown

POLICY = RetryPolicy(max_attempts=5, base=2, cap=60)


def claim(attempt_count: int = 1) -> Claim:
    """A claimed invitation on its n-th attempt."""
    invitee = Invitee(name="Ana", phone="+12025550123", event_name="Gala")
    return Claim(1, 10, 3, 4, attempt_count, invitee)


def rejected(status: int, code: int | None, retry_after: float | None = None) -> SendOutcome:
    """An error answer."""
    return SendOutcome(
        OutcomeKind.REJECTED, http_status=status, code=code, message="x", retry_after=retry_after
    )


@pytest.mark.parametrize(
    ("status", "code", "effect"),
    [
        (400, 21211, "unreachable"),
        (400, 21610, "opted_out"),
        (400, 21656, None),
        (400, 63016, None),
        (400, 63024, "unreachable"),
        (400, 21999, None),  # unknown codes on a 400 are not retried
    ],
)
def test_permanent_errors_fail_at_once(status: int, code: int, effect: str | None) -> None:
    verdict = interpret(claim(), rejected(status, code), POLICY)

    assert isinstance(verdict.result, Failed)
    assert verdict.result.code == code
    # What the failure says about the number (recorded when the result is written).
    assert effect_of(verdict.result.code) == effect
    assert verdict.result.reason and verdict.pacing is Pacing.NONE


@pytest.mark.parametrize(("status", "code"), [(500, 20500), (502, None), (503, 20503), (504, None)])
def test_server_errors_are_retried_with_backoff(status: int, code: int | None) -> None:
    verdict = interpret(claim(attempt_count=3), rejected(status, code), POLICY)

    assert isinstance(verdict.result, Retry)
    assert verdict.result.counted and 4 <= verdict.result.delay <= 8
    assert verdict.pacing is Pacing.NONE


def test_a_429_waits_for_retry_after_slows_the_sender_and_costs_no_attempt() -> None:
    verdict = interpret(claim(attempt_count=5), rejected(429, 20429, retry_after=3), POLICY)

    assert isinstance(verdict.result, Retry)
    assert not verdict.result.counted and 3 <= verdict.result.delay <= 4
    assert verdict.pacing is Pacing.THROTTLED and verdict.retry_after == 3


@pytest.mark.parametrize("code", [63018, 30001])
def test_sender_limits_slow_the_whole_sender(code: int) -> None:
    verdict = interpret(claim(), rejected(400, code), POLICY)

    assert isinstance(verdict.result, Retry) and not verdict.result.counted
    assert verdict.result.delay >= 10 and verdict.pacing is Pacing.SLOWED


def test_account_errors_never_fail_the_guest() -> None:
    verdict = interpret(claim(attempt_count=9), rejected(401, 20003), POLICY)

    assert isinstance(verdict.result, Retry) and not verdict.result.counted


def test_transient_errors_give_up_after_the_last_attempt() -> None:
    verdict = interpret(claim(attempt_count=5), rejected(503, 20503), POLICY)

    assert isinstance(verdict.result, Failed)
    assert verdict.result.reason.startswith("Gave up after 5 attempts")


def test_no_answer_is_unknown_and_no_connection_is_a_plain_retry() -> None:
    unknown = interpret(claim(), SendOutcome(OutcomeKind.UNKNOWN, message="TimeoutError"), POLICY)
    not_sent = interpret(claim(), SendOutcome(OutcomeKind.NOT_SENT, message="refused"), POLICY)

    assert isinstance(unknown.result, Unknown)
    assert isinstance(not_sent.result, Retry) and not not_sent.result.reached


def test_acceptance_keeps_the_sid_and_status() -> None:
    outcome = SendOutcome(
        OutcomeKind.ACCEPTED, sid="SM" + "0" * 32, status="queued", http_status=201
    )
    verdict = interpret(claim(), outcome, POLICY)

    assert verdict.result == Accepted(1, 10, "SM" + "0" * 32, "queued", 201)


def test_backoff_grows_exponentially_with_jitter_up_to_the_cap() -> None:
    for attempt in range(1, 10):
        ceiling = min(60, 2 * 2 ** (attempt - 1))
        assert ceiling / 2 <= backoff(attempt, POLICY) <= ceiling


@pytest.mark.parametrize(
    ("status", "text", "kind", "code"),
    [
        (201, '{"sid": "SMx", "status": "queued"}', OutcomeKind.ACCEPTED, None),
        (201, "{}", OutcomeKind.UNKNOWN, None),
        (400, '{"code": 21211, "message": "Invalid To"}', OutcomeKind.REJECTED, 21211),
        (502, "<html>Bad Gateway</html>", OutcomeKind.REJECTED, None),
    ],
)
def test_answers_are_parsed_into_outcomes(
    status: int, text: str, kind: OutcomeKind, code: int | None
) -> None:
    outcome = outcome_of(status, text, {"Retry-After": "2"})

    assert (outcome.kind, outcome.code) == (kind, code)


@pytest.mark.parametrize(
    ("value", "seconds"), [("3", 3.0), ("0.5", 0.5), ("soon", None), (None, None), ("-1", None)]
)
def test_retry_after_is_read_in_seconds(value: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(value) == seconds
