"""Who may receive a message: opt-outs, numbers that can never receive, and what sets them.

Decided per phone number, once, for every path that sends or plans to send (the pre-flight
and campaign creation, the claim at send time, retry-failed, a single send):

- **Opted out**: the number is in `opt_outs`, by the guest's keyword (STOP, BAJA, ...) or by
  the provider's 21610. A later START removes it, and the number may receive again.
- **Unreachable**: the provider said the number can never receive (21211, 21614, 30005,
  30006, 63024, 63032: `ErrorKind.UNREACHABLE`), whether in the answer to a send or in a
  failed status callback. Every guest with that number, in every event, is marked.

A guest may receive when neither holds (`REACHABLE`, `refusal`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, text

from app.sending.twilio_errors import ErrorKind, classify, reason_for

OPTED_OUT = 21610  # "Attempt to send to unsubscribed recipient"

# SQL condition on a guest row `g`: may this guest receive a message?
REACHABLE = """(
    g.unreachable_code IS NULL
    AND NOT EXISTS (SELECT 1 FROM opt_outs AS o WHERE o.phone = g.phone)
)"""

MARK_UNREACHABLE = text("""
UPDATE guests AS g SET unreachable_code = v.code, unreachable_reason = v.reason
FROM unnest(CAST(:phones AS text[]), CAST(:codes AS integer[]), CAST(:reasons AS text[]))
    AS v(phone, code, reason)
WHERE g.phone = v.phone AND g.unreachable_code IS NULL
""")

OPT_OUT = text("""
INSERT INTO opt_outs (phone, source)
SELECT DISTINCT unnest(CAST(:phones AS text[])), 'provider'
ON CONFLICT (phone) DO NOTHING
""")


@dataclass(frozen=True)
class NotReachable:
    """Why a guest must not be sent a message: the error code and a readable reason."""

    code: int
    reason: str


def refusal(
    opted_out: bool, unreachable_code: int | None, unreachable_reason: str | None
) -> NotReachable | None:
    """Why a guest with these facts must not receive a message, or None when they may."""
    if opted_out:
        return NotReachable(OPTED_OUT, reason_for(OPTED_OUT))
    if unreachable_code is not None:
        return NotReachable(unreachable_code, unreachable_reason or reason_for(unreachable_code))
    return None


def effect_of(code: int | None) -> str | None:
    """What a failure code says about the number: "opted_out", "unreachable", or None."""
    if code == OPTED_OUT:
        return "opted_out"
    if code is not None and classify(code).kind is ErrorKind.UNREACHABLE:
        return "unreachable"
    return None


def record_failures(connection: Connection, failures: Sequence[tuple[str, int]]) -> None:
    """Record what failed sends or callbacks (phone, code) say about their numbers."""
    opted_out = [phone for phone, code in failures if effect_of(code) == "opted_out"]
    unreachable = [(phone, code) for phone, code in failures if effect_of(code) == "unreachable"]
    if opted_out:
        connection.execute(OPT_OUT, {"phones": opted_out})
    if unreachable:
        connection.execute(
            MARK_UNREACHABLE,
            {
                "phones": [phone for phone, _ in unreachable],
                "codes": [code for _, code in unreachable],
                "reasons": [reason_for(code) for _, code in unreachable],
            },
        )
