"""One reading of a campaign's progress, for the dashboard, the API and the CLI."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models import Campaign, SendState
from app.models.enums import states_text
from app.sending import lifecycle
from app.services import campaigns
from app.services.estimates import percent_text

SEND_STATES = ("pending", "sending", "accepted", "failed", "canceled")
SETTLED = ("accepted", "failed", "canceled")
# The delivery funnel of a campaign's invitations, from provider status reports.
FUNNEL = (
    ("accepted", _l("Accepted by Twilio")),
    ("delivered", _l("Delivered")),
    ("read", _l("Read")),
    ("not-delivered", _l("Not delivered")),
)

# When a campaign's first message was claimed: its earliest attempt (each claim records one
# per message it takes, before any request). Attempts are numbered in the order they are made,
# so it lies between the last attempt made before the campaign could start (`:since`, its
# send time or creation) and an early attempt of its own: the one of its first message the
# provider accepted (found on ix_invitations_accepted from `:since`, and for an ended one no
# later than an hour after its end), else of one in flight (ix_invitations_sending), else of
# one that failed: each looked for only when the one before found nothing. Only the attempts
# between the two bounds are read, however large the campaign.
FIRST_CLAIM = states_text("""
WITH bound AS (
    SELECT coalesce(
        (SELECT min(a.id) FROM message_attempts AS a WHERE a.invitation_id = (
            SELECT i.id FROM invitations AS i
            WHERE i.accepted_at >= :since AND i.accepted_at < :until
              AND i.campaign_id = :campaign_id
            ORDER BY i.accepted_at LIMIT 1)),
        (SELECT min(a.id) FROM message_attempts AS a WHERE a.invitation_id = (
            SELECT i.id FROM invitations AS i
            WHERE i.send_state = :send_sending AND i.campaign_id = :campaign_id LIMIT 1)),
        (SELECT min(a.id) FROM message_attempts AS a WHERE a.invitation_id IN (
            SELECT i.id FROM invitations AS i
            WHERE i.send_state = :send_failed AND i.campaign_id = :campaign_id LIMIT 10))
    ) AS upper
)
SELECT min(a.started_at) FROM message_attempts AS a
WHERE a.id <= (SELECT upper FROM bound)
  AND a.id > coalesce((
      SELECT b.id FROM message_attempts AS b
      WHERE b.id <= (SELECT upper FROM bound) AND b.started_at < :since
      ORDER BY b.id DESC LIMIT 1), 0)
  -- Looked up row by row (a join would read every invitation of the campaign).
  AND (SELECT i.campaign_id FROM invitations AS i WHERE i.id = a.invitation_id) = :campaign_id
""")
# Requests in flight when a campaign ends are still accepted after it (a cancel lets them).
LATE_ACCEPTANCE = timedelta(hours=1)
NEVER = datetime.max.replace(tzinfo=UTC)


def isoformat(value: datetime | None) -> str | None:
    """ISO 8601 in UTC, or None."""
    return value.astimezone(UTC).isoformat() if value is not None else None


@dataclass(frozen=True)
class FunnelStage:
    """One stage of the delivery funnel: how many of the campaign's messages reached it."""

    key: str
    label: str
    count: int
    share: float  # percent of the campaign's total


@dataclass(frozen=True)
class CampaignStatus:
    """A campaign's state and counts: what its page shows and its script polls, what the CLI
    prints and what the API's JSON is made of."""

    id: int
    event_id: int
    state: str
    kind: str
    send_at: str | None
    note: str | None
    total: int
    counts: dict[str, int]  # per send state, the paused counted as pending
    settled: int
    percent: float
    percent_text: str
    shares: dict[str, float]  # percent of the total per send state
    funnel: list[FunnelStage]
    states: dict[str, int]  # per send state as stored (paused apart), for the API
    delivery: dict[str, int]  # per delivery status
    errors: list[dict[str, Any]]  # the most frequent errors: code, reason, count
    actions: list[str]  # what the organiser may do now (`lifecycle.controls`)
    rate_per_second: float
    seconds_left: int | None
    observed_rate_per_second: float | None
    created_at: str | None
    finished_at: str | None

    def as_json(self) -> dict[str, Any]:
        """The status as JSON."""
        return asdict(self)


def campaign_status(
    campaign: Campaign, progress: dict[str, Any] | None = None, time_left: bool = True
) -> CampaignStatus:
    """Read the campaign's status.

    `progress` is the campaign's entry of `campaigns.progresses` when the caller read many
    at once; else it is read here. `time_left` reads the campaign's recent rate (a query);
    a list of campaigns goes without.
    """
    if progress is None:
        progress = campaigns.progress(campaign.id)
    counts = {state: progress["counts"].get(state, 0) for state in SEND_STATES}
    # A paused campaign's invitations wait like pending ones; the page shows them so.
    counts["pending"] += progress["counts"].get(SendState.PAUSED.value, 0)
    total = campaign.total or sum(counts.values())
    settled = sum(counts[state] for state in SETTLED)
    remaining = counts["pending"] + counts["sending"]
    running = campaign.state is lifecycle.RUNNING
    # Time left at the rate the provider has been accepting this campaign's messages (none
    # yet: no estimate, rather than the configured rate's wishful one).
    rate = campaigns.observed_rate(campaign.id) if time_left and running and remaining else None
    return CampaignStatus(
        id=campaign.id,
        event_id=campaign.event_id,
        state=campaign.state.value,
        kind=campaign.kind.value,
        send_at=isoformat(campaign.send_at),
        note=campaign.note,
        total=total,
        counts=counts,
        settled=settled,
        percent=round(100 * settled / total, 1) if total else 100.0,
        percent_text=percent_text(settled, total) if total else "100%",
        shares={state: round(100 * counts[state] / total, 3) if total else 0 for state in counts},
        funnel=funnel(counts["accepted"], progress["delivery"], total),
        states=dict(progress["counts"]),
        delivery=progress["delivery"],
        errors=progress["errors"],
        actions=lifecycle.controls(campaign.state, bool(counts["failed"])),
        rate_per_second=campaign.rate_per_second,
        seconds_left=round(remaining / rate) if rate else None,
        observed_rate_per_second=rate,
        created_at=isoformat(campaign.created_at),
        finished_at=isoformat(campaign.finished_at),
    )


def funnel(accepted: int, delivery: dict[str, int], total: int) -> list[FunnelStage]:
    """Accepted, then delivered, then read; and those the provider could not deliver."""
    read = delivery.get("read", 0)
    counts = {
        "accepted": accepted,
        "delivered": delivery.get("delivered", 0) + read,
        "read": read,
        "not-delivered": delivery.get("undelivered", 0) + delivery.get("failed", 0),
    }
    return [
        FunnelStage(
            key, str(label), counts[key], round(100 * counts[key] / total, 3) if total else 0.0
        )
        for key, label in FUNNEL
    ]


def first_claimed_at(campaign: Campaign) -> datetime | None:
    """When the campaign's first message was claimed (its earliest attempt), or None."""
    since = campaign.send_at or campaign.created_at
    until = campaign.finished_at + LATE_ACCEPTANCE if campaign.finished_at else NEVER
    started: datetime | None = db.session.execute(
        FIRST_CLAIM, {"campaign_id": campaign.id, "since": since, "until": until}
    ).scalar_one()
    return started
