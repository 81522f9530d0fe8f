"""After the event, from its page: thank the guests who came, tell the others they were
missed (rules in `app.services.campaigns.create_after_event`)."""

from __future__ import annotations

from flask import flash
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from app.dashboard import bp
from app.dashboard.campaigns import back_to_schedule, waiting_for_an_owner
from app.dashboard.guests import require_event
from app.dashboard.http import counted
from app.models import MessageKind
from app.services import approvals, audit
from app.services.campaigns import CampaignError, in_plain_words

# What the organiser reads for each kind (the noun `waiting_for_an_owner` counts).
SAID = {MessageKind.THANKS: "Thank-you", MessageKind.MISSED: "Missed-you"}


def not_sent(kind: MessageKind, reason: str) -> str:
    """That the kind's campaign was refused, and why."""
    if kind is MessageKind.THANKS:
        return _("No thank-you sent: %(reason)s.", reason=reason)
    return _("No missed-you sent: %(reason)s.", reason=reason)


def sending_now(kind: MessageKind, total: int) -> str:
    """That the kind's campaign is sending, to how many guests."""
    guests = counted(total, "guest")
    if kind is MessageKind.THANKS:
        return _("Thank-you sending now to %(guests)s.", guests=guests)
    return _("Missed-you sending now to %(guests)s.", guests=guests)


def send_after_event(event_id: int, kind: MessageKind) -> ResponseReturnValue:
    """Send the event's thank-you or missed-you now, then go back to its schedule."""
    event = require_event(event_id)
    try:
        outcome = approvals.create_or_submit(approvals.Send(event.id, kind), audit.current_actor())
    except CampaignError as error:
        flash(not_sent(kind, in_plain_words(error)), "error")
        return back_to_schedule(event.id)
    campaign = outcome.campaign
    if campaign is None:
        return waiting_for_an_owner(outcome, SAID[kind].lower())
    flash(sending_now(kind, campaign.total), "success")
    return back_to_schedule(event.id)


@bp.post("/events/<int:event_id>/thanks")
def send_thanks(event_id: int) -> ResponseReturnValue:
    """Thank the guests who checked in, once."""
    return send_after_event(event_id, MessageKind.THANKS)


@bp.post("/events/<int:event_id>/missed")
def send_missed(event_id: int) -> ResponseReturnValue:
    """Tell the confirmed guests who did not come that they were missed, once."""
    return send_after_event(event_id, MessageKind.MISSED)
