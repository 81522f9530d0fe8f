"""An event's guests: the filtered table and one guest's invitation (exports: `exports`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import (
    flash,
    redirect,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import NotFound

from app.dashboard import bp
from app.dashboard.auth import safe_next
from app.dashboard.charts import STAGES
from app.models import Event
from app.services import campaigns, events
from app.services.campaigns import ConflictError
from app.services.guest_search import clean_search
from app.services.user_text import plain_text

PAGE_SIZE = 50
# The Answer filter's choice of the guests waiting for a seat (they said yes).
WAITLISTED = "waitlisted"
RSVP_FILTERS = {
    "confirmed": _l("Confirmed"),
    "declined": _l("Declined"),
    "maybe": _l("Maybe"),
    "no_answer": _l("No answer"),
    WAITLISTED: _l("Waitlisted"),
}
BUCKET_LABELS = {
    "not_sent": _l("Not sent"),
    "pending": _l("Waiting to send"),
    "sending": _l("Sending"),
    "scheduled": _l("Scheduled"),
    "accepted": _l("Accepted by Twilio"),
    "queued": _l("Queued at Twilio"),
    "sent": _l("Sent"),
    "delivered": _l("Delivered"),
    "read": _l("Read"),
    "undelivered": _l("Undelivered"),
    "failed": _l("Failed"),
    "canceled": _l("Canceled"),
}


@dataclass(frozen=True)
class GuestFilters:
    """The guest table's filters, read leniently from the query string."""

    rsvp: str = ""
    delivery: str = ""
    search: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> GuestFilters:
        """Keep known values only; an unknown filter value shows every guest."""
        rsvp = args.get("rsvp", "")
        delivery = args.get("delivery", "")
        return cls(
            rsvp=rsvp if rsvp in RSVP_FILTERS else "",
            delivery=delivery if delivery in STAGES or delivery in BUCKET_LABELS else "",
            search=clean_search(args.get("q", "")),
        )

    @property
    def delivery_buckets(self) -> list[str]:
        """The delivery buckets the listing service filters on."""
        if self.delivery in STAGES:
            return list(STAGES[self.delivery][1])
        return [self.delivery] if self.delivery else []

    def args(self) -> dict[str, str]:
        """The non-empty filters as query parameters."""
        return {
            key: value
            for key, value in (("rsvp", self.rsvp), ("delivery", self.delivery), ("q", self.search))
            if value
        }

    def listing(self) -> dict[str, Any]:
        """The filters as the listing service takes them."""
        waitlisted = self.rsvp == WAITLISTED
        return {
            "rsvp": [self.rsvp] if self.rsvp and not waitlisted else [],
            "delivery": self.delivery_buckets,
            "search": self.search,
            "waitlisted": waitlisted,
        }


def guest_page(
    event_id: int, filters: GuestFilters, after_id: int | None
) -> tuple[list[Any], int | None]:
    """One page of the table, and the cursor of the next page (None on the last)."""
    rows = events.list_guests(event_id, PAGE_SIZE + 1, after_id=after_id, **filters.listing())
    more = len(rows) > PAGE_SIZE
    page = list(rows[:PAGE_SIZE])
    return page, page[-1].Guest.id if more else None


def require_event(event_id: int) -> Event:
    """The event, or a 404 page."""
    event = events.find_event(event_id)
    if event is None:
        raise NotFound(_("Event %(id)s does not exist.", id=event_id))
    return event


@bp.post("/guests/<int:guest_id>/invite")
def invite_guest(guest_id: int) -> ResponseReturnValue:
    """Queue one guest's invitation on its own, then go back to the page it came from."""
    back = request.form.get("next")
    try:
        invitation = campaigns.send_invitation(guest_id)
    except ConflictError as error:
        flash(_("Not sent: %(reason)s.", reason=error), "error")
        return redirect(safe_next(back))
    flash(_("Invitation to %(name)s queued.", name=plain_text(invitation.guest.name)), "success")
    return redirect(
        safe_next(back or url_for("dashboard.event_page", event_id=invitation.event_id))
    )
