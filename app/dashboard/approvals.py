"""Approval before sending: the requests (`/approvals`), one request with what it would send
to whom and when, and the owners' approve and reject buttons (`app.services.approvals`)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.dashboard import bp
from app.models import ApprovalState
from app.services import approvals, audit, campaigns
from app.services.approvals import NOTE_MAX_LENGTH
from app.services.campaigns import CampaignError

# A request's state as the pages name it (the stored value stays English).
STATE_LABELS = {
    ApprovalState.PENDING: _l("pending"),
    ApprovalState.APPROVED: _l("approved"),
    ApprovalState.REJECTED: _l("rejected"),
    ApprovalState.STALE: _l("stale"),
}


@bp.get("/approvals")
def approvals_page() -> ResponseReturnValue:
    """Every request to send, newest first."""
    found = approvals.listing()
    events = {e: campaigns.event(e).name for e in {r.event_id for r in found}}
    return render_template(
        "dashboard/approvals.html", requests=found, events=events, approval_states=STATE_LABELS
    )


@bp.get("/approvals/<int:approval_id>")
def approval_page(approval_id: int) -> ResponseReturnValue:
    """What the request would send, to whom and when; approve or reject (owners)."""
    found = approvals.get(approval_id)
    return render_template(
        "dashboard/approval.html",
        request_=found,
        event=campaigns.event(found.event_id),
        sample=approvals.sample(found.event_id),
        threshold=approvals.threshold(found.event_id),
        described=approvals.described(found),
        approval_states=STATE_LABELS,
    )


@bp.post("/approvals/<int:approval_id>/approve")
def approve(approval_id: int) -> ResponseReturnValue:
    """Approve: the campaign starts now, or is scheduled for its time."""
    try:
        campaign = approvals.approve(approval_id, note(), audit.current_actor())
    except CampaignError as error:
        flash(_("Not approved: %(error)s.", error=error), "error")
        return redirect(url_for("dashboard.approval_page", approval_id=approval_id))
    flash(_("Approved: the campaign is created."), "success")
    return redirect(url_for("dashboard.campaign_page", campaign_id=campaign.id))


@bp.post("/approvals/<int:approval_id>/reject")
def reject(approval_id: int) -> ResponseReturnValue:
    """Reject, with a note for the organiser."""
    try:
        approvals.reject(approval_id, note(), audit.current_actor())
    except CampaignError as error:
        flash(_("Not rejected: %(error)s.", error=error), "error")
    else:
        flash(_("Rejected: nothing is sent."), "success")
    return redirect(url_for("dashboard.approval_page", approval_id=approval_id))


def note() -> str | None:
    """The decision's note as typed."""
    return request.form.get("note", "").strip()[:NOTE_MAX_LENGTH] or None
