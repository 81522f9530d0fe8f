"""A campaign's progress: its invitations per state and per delivery status, and top errors.

Counts come from the tallies (a few rows per campaign, whatever its size); only the
readable reason of each top error code is looked up, one indexed row per code.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import Connection, text

from app.models import DeliveryStatus, SendState
from app.sending.tallies import campaign_tallies
from app.services.twilio_errors import reason_for

TOP_ERRORS = 5

ERROR_REASON = text("""
SELECT error_reason FROM invitations
WHERE campaign_id = :campaign_id AND send_state = 'failed'
  AND error_code IS NOT DISTINCT FROM :code
LIMIT 1
""")


def campaign_progress(connection: Connection, campaign_id: int) -> dict[str, Any]:
    """Counts per send state and per delivery status, and the most frequent errors."""
    states = dict.fromkeys((s.value for s in SendState), 0)
    delivery = dict.fromkeys((s.value for s in DeliveryStatus), 0)
    errors: Counter[int | None] = Counter()
    for tally in campaign_tallies(connection, campaign_id):
        states[tally.send_state] = states.get(tally.send_state, 0) + tally.n
        if tally.delivery_status is not None:
            status = tally.delivery_status
            delivery[status] = delivery.get(status, 0) + tally.n
        if tally.send_state == SendState.FAILED:
            errors[tally.error_code] += tally.n
    top = sorted(errors.items(), key=lambda item: (-item[1], item[0] or 0))[:TOP_ERRORS]
    return {
        "counts": states,
        "delivery": delivery,
        "errors": [
            {"code": code, "reason": error_reason(connection, campaign_id, code), "count": n}
            for code, n in top
        ],
    }


def error_reason(connection: Connection, campaign_id: int, code: int | None) -> str | None:
    """The reason recorded with one of the campaign's failures of this code."""
    params = {"campaign_id": campaign_id, "code": code}
    reason = connection.execute(ERROR_REASON, params).scalar()
    return reason or (reason_for(code) if code is not None else None)
