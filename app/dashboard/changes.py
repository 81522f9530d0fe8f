"""Tell guests of an event's change, or cancel the event, each after a page that says what
will be sent and to how many (rules in `app.services.event_changes`)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext

from app.dashboard import bp
from app.dashboard.campaigns import waiting_for_an_owner
from app.dashboard.events import LANGUAGE_LABELS
from app.dashboard.guests import require_event
from app.models import Event, MessageKind
from app.services import approvals, audit, campaigns, event_changes
from app.services.campaigns import ConflictError
from app.services.event_changes import Audience
from app.services.user_text import plain_text
from app.services.wording import NoticePreview, notice_preview

CHECKED = {"1", "on", "true", "yes"}


def previews(event: Event, kind: str) -> list[NoticePreview]:
    """What the notice says in each language guests read, for a guest named Ana."""
    defaults = campaigns.message_defaults()
    return [notice_preview(event, kind, language, defaults) for language in LANGUAGE_LABELS]


def chosen_audience() -> Audience:
    """The organiser's choice of who else hears (query string or form)."""
    values = request.form if request.method == "POST" else request.args
    return Audience(values.get("maybe") in CHECKED, values.get("unanswered") in CHECKED)


@bp.get("/events/<int:event_id>/notify")
def notify_page(event_id: int) -> ResponseReturnValue:
    """Show what telling the guests of the event's latest change sends, and to how many."""
    event = require_event(event_id)
    audience = chosen_audience()
    counts = {
        "confirmed": event_changes.preview(event.id, Audience()).recipients,
        "maybe": event_changes.preview(event.id, Audience(include_maybe=True)).recipients,
        "unanswered": event_changes.preview(event.id, Audience(include_unanswered=True)).recipients,
    }
    plan, found = event_changes.explained_update(event.id, audience)
    return render_template(
        "dashboard/event_notify.html",
        event=event,
        audience=audience,
        plan=plan,
        reach=found,
        counts=counts,
        extra={name: counts[name] - counts["confirmed"] for name in ("maybe", "unanswered")},
        told=event_changes.told_campaign(event),
        invited=event_changes.has_invited(event.id),
        previews=previews(event, MessageKind.UPDATE),
        languages=LANGUAGE_LABELS,
    )


@bp.post("/events/<int:event_id>/notify")
def notify_guests(event_id: int) -> ResponseReturnValue:
    """Tell the guests of the latest change, once, then show its campaign."""
    event = require_event(event_id)
    audience = chosen_audience()
    options = {
        "include_maybe": audience.include_maybe,
        "include_unanswered": audience.include_unanswered,
    }
    try:
        waiting = approvals.submit_if_needed(
            approvals.Send(event.id, MessageKind.UPDATE, options=options), audit.current_actor()
        )
        if waiting is not None:
            return waiting_for_an_owner(waiting, "guest")
        notified = event_changes.notify_change(event.id, audience)
    except ConflictError as error:
        flash(_("No update sent: %(reason)s.", reason=error), "error")
        return redirect(url_for("dashboard.notify_page", event_id=event.id))
    if notified.created:
        flash(
            ngettext(
                "Telling %(num)s guest of the change.",
                "Telling %(num)s guests of the change.",
                notified.campaign.total,
            ),
            "success",
        )
    else:
        flash(_("The guests were already told of this change: nothing more is sent."), "info")
    return redirect(url_for("dashboard.campaign_page", campaign_id=notified.campaign.id))


@bp.get("/events/<int:event_id>/cancel")
def confirm_event_cancellation(event_id: int) -> ResponseReturnValue:
    """Ask before canceling an event: who is told, what it says, what is withdrawn."""
    event = require_event(event_id)
    listed = campaigns.list_campaigns(event.id)
    plan, found = (
        event_changes.explained_cancellation(event.id)
        if event.canceled_at is None
        else (None, None)
    )
    return render_template(
        "dashboard/event_cancel.html",
        event=event,
        plan=plan,
        reach=found,
        active=[c for c in listed if c.state in campaigns.ACTIVE],
        previews=previews(event, MessageKind.CANCELLATION),
        languages=LANGUAGE_LABELS,
    )


@bp.post("/events/<int:event_id>/cancel")
def cancel_event(event_id: int) -> ResponseReturnValue:
    """Cancel the event, withdraw what is queued and tell the invited guests, once."""
    event = require_event(event_id)
    notify = request.form.get("notify") in CHECKED
    canceled, waiting = approvals.cancel_event(event.id, notify, audit.current_actor())
    name = plain_text(event.name)
    if canceled.already:
        flash(_("“%(name)s” was already canceled: nothing more is sent.", name=name), "info")
    elif waiting is not None:
        flash(_("“%(name)s” is canceled. Nothing more is sent for it.", name=name), "success")
        return waiting_for_an_owner(waiting, "cancellation message")
    elif canceled.cancellation is not None:
        told = canceled.cancellation.total
        flash(
            ngettext(
                "“%(name)s” is canceled. Telling %(num)s invited guest.",
                "“%(name)s” is canceled. Telling %(num)s invited guests.",
                told,
                name=name,
            ),
            "success",
        )
    else:
        flash(_("“%(name)s” is canceled. No guest is told.", name=name), "success")
    return redirect(url_for("dashboard.event_page", event_id=event.id))
