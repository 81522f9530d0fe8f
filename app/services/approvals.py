"""Approval before sending: an organiser's campaign to more guests than the event's
`approval_above` (else the service's `APPROVAL_ABOVE`) waits for an owner.

It applies to every kind of campaign that sends to guests: the invitation, a reminder, a
follow-up, an update of a change, a cancellation, a thank-you and a missed-you, scheduled
or not. Submitting keeps the pre-flight (how many, when, how long), the kind's choices and
a fingerprint of what would be sent (the event's words and its guest list). An owner
approves or rejects it with a note; approving creates the campaign through the path that
creates that kind (started, or scheduled for its time), exactly once: the request's row is
locked and leaves `pending` in the same transaction that creates it, so a second click
finds it decided. An approval of a request whose event or guests changed since is refused
(the request turns `stale`: submit again). Owners' own campaigns need no approval; off
when neither setting is set. A follow-up is counted over every guest it may reach (each
unanswered guest whose invitation was delivered), not only those due now.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, text

from app.extensions import db
from app.models import Campaign, MessageKind, UserRole
from app.models.approval import APPROVED_KINDS, Approval, ApprovalState
from app.models.base import utcnow
from app.sending.audiences import Target
from app.sending.kinds import kind_of
from app.services import audit, audit_routes, campaigns, event_changes, event_edits
from app.services.audit import Actor
from app.services.campaigns import CampaignError, ConflictError, NotFoundError, Preflight
from app.services.event_changes import Audience, Canceled, Notified
from app.services.event_edits import EventEdit

OWNER = UserRole.OWNER
NOTE_MAX_LENGTH = 1000
SAMPLE_SIZE = 20

FINGERPRINT = text("""
SELECT md5(concat_ws('|', e.name, e.venue, e.starts_at::text, e.time_zone,
    e.canceled_at::text,
    (SELECT string_agg(g.id::text || ':' || g.phone, ',' ORDER BY g.id)
     FROM guests AS g WHERE g.event_id = e.id)))
FROM events AS e WHERE e.id = :event_id
""")


# A request decided already, as the refusal to decide it again says it.
WAS_ALREADY = {
    ApprovalState.PENDING: _l("approval %(approval_id)s was pending already"),
    ApprovalState.APPROVED: _l("approval %(approval_id)s was approved already"),
    ApprovalState.REJECTED: _l("approval %(approval_id)s was rejected already"),
    ApprovalState.STALE: _l("approval %(approval_id)s was stale already"),
}


class ApprovalStale(ConflictError):
    """The event or its guests changed since the request was submitted."""


class OwnersOnly(Exception):
    """Only an owner sets how big an organiser's campaign may be without approval."""


def check_threshold_change(actor: Actor, current: int | None, wanted: int | None) -> None:
    """Refuse (OwnersOnly) an event's `approval_above` changed by anyone but an owner: an
    organiser could otherwise lift the limit their own campaigns wait under."""
    if wanted != current and actor.role is not OWNER:
        raise OwnersOnly(_("only an owner sets approval_above"))


@dataclass(frozen=True)
class Send:
    """A campaign asked for: its event and kind, when, and the kind's choices
    (`hours_before`, `include_maybe`, `after_days`, `include_unanswered`)."""

    event_id: int
    kind: str = MessageKind.INVITATION
    send_at: datetime | None = None
    options: Mapping[str, Any] = field(default_factory=dict)

    def option(self, name: str, default: Any = None) -> Any:
        """One of the kind's choices."""
        return self.options.get(name, default)


@dataclass(frozen=True)
class Outcome:
    """What a request to send did: a campaign created, or a request waiting for an owner."""

    plan: Preflight
    campaign: Campaign | None = None
    approval: Approval | None = None


def threshold(event_id: int | None = None) -> int | None:
    """Above this many recipients an organiser's campaign of the event needs approval
    (None: never): the event's own setting, else the service's."""
    if event_id is not None:
        own = campaigns.event(event_id).approval_above
        if own is not None:
            return own
    above: int | None = current_app.config["SETTINGS"].approval_above
    return above


def create_or_submit(send: Send, actor: Actor) -> Outcome:
    """Create the campaign, or submit it for approval when it needs one."""
    waiting = submit_if_needed(send, actor)
    if waiting is not None:
        return waiting
    campaign, plan = create(send)
    return Outcome(plan, campaign=campaign)


def submit_if_needed(send: Send, actor: Actor) -> Outcome | None:
    """Submit the campaign for approval when it needs one (None: it doesn't, create it)."""
    if actor.role is OWNER:
        return None
    limit = threshold(send.event_id)
    if limit is None:
        return None
    check(send)
    if send.kind == MessageKind.UPDATE and _told(send.event_id):
        return None  # its creation gives back the update that told of it: nothing new is sent
    plan = campaigns.preflight(send.event_id, audience(send))
    if not _needs_approval(send, plan, limit):
        return None
    return Outcome(plan, approval=submit(send, plan, actor))


def edit_and_tell(
    event_id: int, values: dict[str, Any], audience_: Audience, actor: Actor
) -> tuple[EventEdit, Outcome | None, Notified | None]:
    """Store an edit of the event and tell its guests of it in one transaction under the
    event's lock (two saves at once are two rounds, `event_changes.edit_and_notify`), or,
    when the update waits for an owner, store it with the request; the edit, the request
    (None: no approval needed) and the update (None: it waits)."""
    event, moved = event_edits.apply_edit(event_id, values)
    options = {
        "include_maybe": audience_.include_maybe,
        "include_unanswered": audience_.include_unanswered,
    }
    waiting = submit_if_needed(Send(event_id, MessageKind.UPDATE, options=options), actor)
    if waiting is not None:  # the audit entry committed the edit with the request
        return event_edits.finish_edit(event, values, moved), waiting, None
    edit, notified = event_changes.notify_edited(event, values, moved, audience_)
    return edit, None, notified


def _told(event_id: int) -> bool:
    """Whether an update already tells of the event's latest change."""
    return event_changes.told_campaign(campaigns.event(event_id)) is not None


def _needs_approval(send: Send, plan: Preflight, limit: int) -> bool:
    """More recipients than the limit; with 0, any (one to be sent later too)."""
    if plan.recipients > limit:
        return True
    later = send.send_at is not None or send.kind == MessageKind.REMINDER
    return limit == 0 and (later or kind_of(send.kind).watches)


def cancel_event(event_id: int, notify: bool, actor: Actor) -> tuple[Canceled, Outcome | None]:
    """Cancel the event now (nothing more goes out); the message telling the invited guests
    waits for an owner when an organiser's would reach more than the limit."""
    if notify and actor.role is not OWNER:
        limit = threshold(event_id)
        send = Send(event_id, MessageKind.CANCELLATION)
        plan = event_changes.cancellation_preview(event_id)
        if limit is not None and plan.recipients > limit:
            canceled = event_changes.cancel_event(event_id, notify=False)
            if canceled.already:
                return canceled, None
            approval = submit(send, plan, actor, keep_route_entry=True)
            return canceled, Outcome(plan, approval=approval)
    return event_changes.cancel_event(event_id, notify), None


def audience(send: Send) -> Target:
    """Whom the campaign would reach (a follow-up: every guest it may reach)."""
    maybe = bool(send.option("include_maybe"))
    if send.kind == MessageKind.UPDATE:
        unanswered = bool(send.option("include_unanswered"))
        return event_changes.update_target(
            campaigns.event(send.event_id), Audience(maybe, unanswered)
        )
    if send.kind == MessageKind.FOLLOWUP:
        return Target(send.event_id, MessageKind.FOLLOWUP, after_seconds=0)
    return Target(send.event_id, send.kind, include_maybe=maybe)


def check(send: Send) -> None:
    """The checks its creation makes of the choices, before it is submitted."""
    if send.kind not in APPROVED_KINDS:
        raise CampaignError(
            _("'kind' must be one of %(choices)s", choices=", ".join(APPROVED_KINDS))
        )
    if send.kind == MessageKind.REMINDER:
        campaigns.reminder_time(send.event_id, float(send.option("hours_before")))
    elif send.kind == MessageKind.FOLLOWUP:
        campaigns.check_followup(send.event_id, float(send.option("after_days")))
    elif send.kind in (MessageKind.THANKS, MessageKind.MISSED):
        campaigns.check_after_event(send.event_id, send.kind, send.send_at)
    elif send.kind == MessageKind.UPDATE:
        event = campaigns.event(send.event_id)
        if event.canceled_at is not None:
            raise ConflictError(_("the event is canceled: tell guests with the cancellation"))
        if event.calendar_sequence == 0:
            raise ConflictError(_("the event's start, zone and venue have not changed"))
    elif send.send_at is not None:
        campaigns.check_send_at(send.send_at)


def create(send: Send) -> tuple[Campaign, Preflight]:
    """Create the campaign through the path of its kind (committing)."""
    return CREATORS[MessageKind(send.kind)](send)


def _notify(send: Send) -> tuple[Campaign, Preflight]:
    """An update of the event's latest change (ConflictError when it was told already)."""
    audience_ = Audience(
        bool(send.option("include_maybe")), bool(send.option("include_unanswered"))
    )
    notified = event_changes.notify_change(send.event_id, audience_)
    if not notified.created:
        raise ConflictError(
            _(
                "the guests were told of this change already (campaign %(id)s)",
                id=notified.campaign.id,
            )
        )
    return notified.campaign, campaigns.preflight(send.event_id, audience(send))


CREATORS: dict[MessageKind, Callable[[Send], tuple[Campaign, Preflight]]] = {
    MessageKind.INVITATION: lambda send: campaigns.create_campaign(send.event_id, send.send_at),
    MessageKind.REMINDER: lambda send: campaigns.schedule_reminder(
        send.event_id, float(send.option("hours_before")), bool(send.option("include_maybe"))
    ),
    MessageKind.FOLLOWUP: lambda send: campaigns.create_followup(
        send.event_id, float(send.option("after_days"))
    ),
    MessageKind.UPDATE: _notify,
    MessageKind.CANCELLATION: lambda send: campaigns.create_notice(
        Target(send.event_id, MessageKind.CANCELLATION)
    ),
    MessageKind.THANKS: lambda send: campaigns.create_after_event(
        send.event_id, send.kind, send.send_at
    ),
    MessageKind.MISSED: lambda send: campaigns.create_after_event(
        send.event_id, send.kind, send.send_at
    ),
}


def submit(send: Send, plan: Preflight, actor: Actor, keep_route_entry: bool = False) -> Approval:
    """Keep the campaign as planned now, waiting for an owner."""
    send_at = send.send_at
    if send.kind == MessageKind.REMINDER:
        send_at = campaigns.reminder_time(send.event_id, float(send.option("hours_before")))
    request = Approval(
        event_id=send.event_id,
        kind=str(send.kind),
        options=dict(send.options),
        send_at=send_at,
        recipients=plan.recipients,
        estimated_seconds=plan.estimated_seconds,
        fingerprint=fingerprint(send.event_id),
        submitted_by=actor.user_id,
    )
    db.session.add(request)
    db.session.flush()
    if not keep_route_entry:
        audit_routes.skip()  # no campaign was created: the entry is the submission
    audit.record(
        "campaign.submit",
        event_id=send.event_id,
        target=f"approval {request.id}",
        detail={"kind": str(send.kind), "recipients": plan.recipients, "send_at": _iso(send_at)},
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
        raise ApprovalStale(
            _("the event or its guests changed since it was submitted: submit again")
        )
    request.state = ApprovalState.APPROVED
    _decide(request, actor, note)
    db.session.flush()
    send_at = request.send_at if request.send_at and request.send_at > utcnow() else None
    send = Send(request.event_id, request.kind, send_at, request.options)
    campaign, _plan = create(send)  # commits both
    request.campaign_id = campaign.id
    audit.record(
        "campaign.approve",
        event_id=request.event_id,
        target=f"campaign {campaign.id}",
        detail={"approval": request.id, "kind": request.kind, "note": request.note},
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
        raise NotFoundError(_("approval %(approval_id)s does not exist", approval_id=approval_id))
    if request.state is not ApprovalState.PENDING:
        db.session.rollback()
        raise ConflictError(str(WAS_ALREADY[request.state]) % {"approval_id": approval_id})
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
        raise NotFoundError(_("event %(event_id)s does not exist", event_id=event_id))
    return found


def get(approval_id: int) -> Approval:
    """A request, or NotFoundError."""
    found = db.session.get(Approval, approval_id)
    if found is None:
        raise NotFoundError(_("approval %(approval_id)s does not exist", approval_id=approval_id))
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
        "kind": request.kind,
        "options": request.options,
    }


# What approving a request of each kind sends, without and with the guests who said maybe
# (the choices filled in by `described`).
DESCRIPTIONS = {
    MessageKind.INVITATION: (_l("The event's invitation to every guest not invited yet"),) * 2,
    MessageKind.REMINDER: (
        _l("A reminder to the guests who confirmed, %(hours)s hours before the start"),
        _l(
            "A reminder to the guests who confirmed (and those who said maybe), %(hours)s hours"
            " before the start"
        ),
    ),
    MessageKind.FOLLOWUP: (
        _l(
            "A follow-up to each guest who has not answered %(days)s days after their invitation"
            " was delivered, until the event starts"
        ),
    )
    * 2,
    MessageKind.UPDATE: (
        _l("An update telling the guests of the event's latest change"),
        _l("An update telling the guests (and those who said maybe) of the event's latest change"),
    ),
    MessageKind.CANCELLATION: (_l("The cancellation, to every guest whose invitation was sent"),)
    * 2,
    MessageKind.THANKS: (_l("A thank-you to the guests who checked in"),) * 2,
    MessageKind.MISSED: (_l("A missed-you to the confirmed guests who did not come"),) * 2,
}


def described(request: Approval) -> str:
    """What approving the request sends, in a sentence (in the page's language)."""
    options = {"hours_before": 0.0, "after_days": 0.0, **request.options}
    sentence = DESCRIPTIONS[MessageKind(request.kind)][bool(options.get("include_maybe"))]
    values = {"hours": f"{options['hours_before']:g}", "days": f"{options['after_days']:g}"}
    text = str(sentence)
    return text % values if "%(" in text else text


def _of(request: Approval) -> str:
    return f"approval {request.id}"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
