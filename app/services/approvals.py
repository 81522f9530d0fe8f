"""Approval before sending: an organiser's invitation campaign to more guests than
`APPROVAL_ABOVE` waits for an owner.

Submitting keeps the pre-flight (how many, when, how long) and a fingerprint of what would
be sent (the event's words and its guest list). An owner approves or rejects it with a
note; approving creates the campaign through the one path that creates them all (started,
or scheduled for its time), exactly once: the request's row is locked and leaves `pending`
in the same transaction that checks it, so a second click finds it decided. An approval
of a request whose event or guests changed since is refused (the request turns `stale`:
submit again). Owners' own campaigns need no approval; off when `APPROVAL_ABOVE` is unset.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select, text

from app.extensions import db
from app.models import Campaign, UserRole
from app.models.approval import Approval, ApprovalState
from app.models.base import utcnow
from app.services import audit, audit_routes, campaigns
from app.services.audit import Actor
from app.services.campaigns import ConflictError, NotFoundError, Preflight

NOTE_MAX_LENGTH = 1000
SAMPLE_SIZE = 20

FINGERPRINT = text("""
SELECT md5(concat_ws('|', e.name, e.venue, e.starts_at::text, e.time_zone,
    e.canceled_at::text,
    (SELECT string_agg(g.id::text || ':' || g.phone, ',' ORDER BY g.id)
     FROM guests AS g WHERE g.event_id = e.id)))
FROM events AS e WHERE e.id = :event_id
""")


class ApprovalStale(ConflictError):
    """The event or its guests changed since the request was submitted."""


@dataclass(frozen=True)
class Outcome:
    """What a request to send did: a campaign created, or a request waiting for an owner."""

    plan: Preflight
    campaign: Campaign | None = None
    approval: Approval | None = None


def threshold() -> int | None:
    """Above this many recipients an organiser's campaign needs approval (None: never)."""
    above: int | None = current_app.config["SETTINGS"].approval_above
    return above


def create_or_submit(event_id: int, send_at: datetime | None, actor: Actor) -> Outcome:
    """Create the invitation campaign, or submit it for approval when it needs one."""
    limit = threshold()
    if limit is not None and actor.role is not UserRole.OWNER:
        plan = campaigns.preflight(event_id)
        if plan.recipients > limit:
            if send_at is not None:
                _check_send_at(send_at)
            return Outcome(plan, approval=submit(event_id, send_at, plan, actor))
    campaign, plan = campaigns.create_campaign(event_id, send_at)
    return Outcome(plan, campaign=campaign)


def _check_send_at(send_at: datetime) -> None:
    """The campaign service's own check of a start time."""
    campaigns._check_send_at(send_at)


def submit(event_id: int, send_at: datetime | None, plan: Preflight, actor: Actor) -> Approval:
    """Keep the campaign as planned now, waiting for an owner."""
    request = Approval(
        event_id=event_id,
        send_at=send_at,
        recipients=plan.recipients,
        estimated_seconds=plan.estimated_seconds,
        fingerprint=fingerprint(event_id),
        submitted_by=actor.user_id,
    )
    db.session.add(request)
    db.session.flush()
    audit_routes.skip()  # no campaign was created: the entry is the submission
    audit.record(
        "campaign.submit",
        event_id=event_id,
        target=f"approval {request.id}",
        detail={"recipients": plan.recipients, "send_at": _iso(send_at)},
    )
    return request


def approve(approval_id: int, note: str | None, actor: Actor) -> Campaign:
    """Approve a pending request: its campaign is created now (or scheduled), once.

    The request leaves `pending` in the transaction that creates the campaign, under its
    row's lock: a second approval waits, then finds it decided; a creation refused (nothing
    left to send, the event canceled) rolls both back, and the request stays pending.
    """
    request = _pending(approval_id)
    if fingerprint(request.event_id) != request.fingerprint:
        request.state = ApprovalState.STALE
        _decide(request, actor, "the event or its guests changed since: submit it again")
        audit.record("campaign.approval_stale", event_id=request.event_id, target=_of(request))
        raise ApprovalStale("the event or its guests changed since it was submitted: submit again")
    request.state = ApprovalState.APPROVED
    _decide(request, actor, note)
    db.session.flush()
    send_at = request.send_at if request.send_at and request.send_at > utcnow() else None
    campaign, _ = campaigns.create_campaign(request.event_id, send_at)  # commits both
    request.campaign_id = campaign.id
    audit.record(
        "campaign.approve",
        event_id=request.event_id,
        target=f"campaign {campaign.id}",
        detail={"approval": request.id, "note": request.note},
    )
    return campaign


def reject(approval_id: int, note: str | None, actor: Actor) -> Approval:
    """Reject a pending request, saying why."""
    request = _pending(approval_id)
    request.state = ApprovalState.REJECTED
    _decide(request, actor, note)
    audit.record(
        "campaign.reject",
        event_id=request.event_id,
        target=_of(request),
        detail={"note": request.note},
    )
    return request


def _pending(approval_id: int) -> Approval:
    """The request, locked; ConflictError once it is decided."""
    request = db.session.get(Approval, approval_id, with_for_update=True, populate_existing=True)
    if request is None:
        db.session.rollback()
        raise NotFoundError(f"approval {approval_id} does not exist")
    if request.state is not ApprovalState.PENDING:
        db.session.rollback()
        raise ConflictError(f"approval {approval_id} was {request.state.value} already")
    return request


def _decide(request: Approval, actor: Actor, note: str | None) -> None:
    """Stamp who decided, when and why (the audit entry commits it)."""
    request.decided_by = actor.user_id
    request.decided_at = utcnow()
    request.note = (note or "").strip()[:NOTE_MAX_LENGTH] or None


def fingerprint(event_id: int) -> str:
    """A digest of what a campaign of the event would say and to whom."""
    found: str | None = db.session.execute(FINGERPRINT, {"event_id": event_id}).scalar()
    if found is None:
        raise NotFoundError(f"event {event_id} does not exist")
    return found


def get(approval_id: int) -> Approval:
    """A request, or NotFoundError."""
    found = db.session.get(Approval, approval_id)
    if found is None:
        raise NotFoundError(f"approval {approval_id} does not exist")
    return found


def listing(pending_only: bool = False, limit: int = 100) -> list[Approval]:
    """Requests newest first."""
    query = select(Approval).order_by(Approval.id.desc()).limit(limit)
    if pending_only:
        query = query.where(Approval.state == ApprovalState.PENDING)
    return list(db.session.scalars(query))


def sample(event_id: int) -> list[tuple[str, str]]:
    """The first guests of the event (name, number), to show whom it goes to."""
    rows = db.session.execute(
        text("SELECT name, phone FROM guests WHERE event_id = :e ORDER BY id LIMIT :n"),
        {"e": event_id, "n": SAMPLE_SIZE},
    )
    return [(row.name, row.phone) for row in rows]


def as_json(request: Approval) -> dict[str, object]:
    """A request as the API gives it."""
    return {
        "id": request.id,
        "event_id": request.event_id,
        "state": request.state.value,
        "send_at": _iso(request.send_at),
        "recipients": request.recipients,
        "estimated_seconds": request.estimated_seconds,
        "submitted_by": request.submitted_by,
        "created_at": _iso(request.created_at),
        "decided_by": request.decided_by,
        "decided_at": _iso(request.decided_at),
        "note": request.note,
        "campaign_id": request.campaign_id,
    }


def _of(request: Approval) -> str:
    return f"approval {request.id}"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
