"""A campaign's progress: its invitations per state and per delivery status, and top errors.

Counts come from the tallies (a few rows per campaign, whatever its size); only the
readable reason of each top error code is looked up, one indexed row per code, in one
query for any number of campaigns.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, text

from app.models import DeliveryStatus, SendState
from app.sending.tallies import Tally, campaigns_tallies
from app.sending.twilio_errors import reason_for

TOP_ERRORS = 5


def campaign_progress(connection: Connection, campaign_id: int) -> dict[str, Any]:
    """Counts per send state and per delivery status, and the most frequent errors."""
    return campaigns_progress(connection, [campaign_id])[campaign_id]


# The reason recorded with one failure of each (campaign, error code) pair, in one query.
ERROR_REASONS = text("""
SELECT v.campaign_id, v.code, (
    SELECT i.error_reason FROM invitations AS i
    WHERE i.campaign_id = v.campaign_id AND i.send_state = :failed
      AND i.error_code IS NOT DISTINCT FROM v.code
    LIMIT 1) AS reason
FROM unnest(CAST(:campaigns AS integer[]), CAST(:codes AS integer[])) AS v(campaign_id, code)
""")


def campaigns_progress(
    connection: Connection, campaign_ids: Sequence[int]
) -> dict[int, dict[str, Any]]:
    """`campaign_progress` of each campaign, in two queries whatever their number."""
    summaries = {
        campaign_id: summarize(tallies)
        for campaign_id, tallies in campaigns_tallies(connection, campaign_ids).items()
    }
    pairs = [
        (campaign_id, code) for campaign_id, (_, _, top) in summaries.items() for code, _ in top
    ]
    reasons = error_reasons(connection, pairs)
    return {
        campaign_id: {
            "counts": states,
            "delivery": delivery,
            "errors": [
                {"code": code, "reason": reasons[campaign_id, code], "count": n} for code, n in top
            ],
        }
        for campaign_id, (states, delivery, top) in summaries.items()
    }


def summarize(
    tallies: Sequence[Tally],
) -> tuple[dict[str, int], dict[str, int], list[tuple[int | None, int]]]:
    """Counts per send state and per delivery status, and the top (error code, count) pairs."""
    states = dict.fromkeys((s.value for s in SendState), 0)
    delivery = dict.fromkeys((s.value for s in DeliveryStatus), 0)
    errors: Counter[int | None] = Counter()
    for tally in tallies:
        states[tally.send_state] = states.get(tally.send_state, 0) + tally.n
        if tally.delivery_status is not None:
            delivery[tally.delivery_status] = delivery.get(tally.delivery_status, 0) + tally.n
        if tally.send_state == SendState.FAILED:
            errors[tally.error_code] += tally.n
    top = sorted(errors.items(), key=lambda item: (-item[1], item[0] or 0))[:TOP_ERRORS]
    return states, delivery, top


def error_reasons(
    connection: Connection, pairs: Sequence[tuple[int, int | None]]
) -> dict[tuple[int, int | None], str | None]:
    """The reason recorded for each (campaign, error code) pair, else the code's own."""
    if not pairs:
        return {}
    params = {
        "failed": SendState.FAILED.value,
        "campaigns": [campaign_id for campaign_id, _ in pairs],
        "codes": [code for _, code in pairs],
    }
    return {
        (row.campaign_id, row.code): row.reason
        or (reason_for(row.code) if row.code is not None else None)
        for row in connection.execute(ERROR_REASONS, params)
    }
