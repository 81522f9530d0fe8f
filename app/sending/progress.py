"""A campaign's progress: its invitations per state and per delivery status, and top errors."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from app.models import DeliveryStatus, SendState

PROGRESS = text("""
SELECT send_state, delivery_status, count(*) AS n FROM invitations
WHERE campaign_id = :campaign_id GROUP BY send_state, delivery_status
""")

TOP_ERRORS = text("""
SELECT error_code, error_reason, count(*) AS n FROM invitations
WHERE campaign_id = :campaign_id AND send_state = 'failed'
GROUP BY error_code, error_reason ORDER BY n DESC, error_code LIMIT 5
""")


def campaign_progress(connection: Connection, campaign_id: int) -> dict[str, Any]:
    """Counts per send state and per delivery status (one GROUP BY), and the top errors."""
    states = dict.fromkeys((s.value for s in SendState), 0)
    delivery = dict.fromkeys((s.value for s in DeliveryStatus), 0)
    for row in connection.execute(PROGRESS, {"campaign_id": campaign_id}):
        states[str(row.send_state)] = states.get(str(row.send_state), 0) + row.n
        if row.delivery_status is not None:
            status = str(row.delivery_status)
            delivery[status] = delivery.get(status, 0) + row.n
    errors = [
        {"code": row.error_code, "reason": row.error_reason, "count": row.n}
        for row in connection.execute(TOP_ERRORS, {"campaign_id": campaign_id})
    ]
    return {"counts": states, "delivery": delivery, "errors": errors}
