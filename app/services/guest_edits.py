"""Correct a guest (name, phone, language, template variables), or delete them.

A correction is checked as an import checks a row (`guests.check_fields`). A new phone must
not be another guest's of the event, and is checked for reachability as every number is
(`app.sending.reachability`, per number): the opt-out list applies to it as it stands, and
what the provider said of the old number ("can never receive") goes with the old number,
while what it said of the new one, for a guest of any event, comes with it.

A message in flight (an invitations row in `sending`) was built from the guest's number, and
its result is recorded against the row: while there is one, the number can't change and the
guest can't be deleted (409).

A deletion removes the guest from their event: the list, the stats, every audience and the
inbox (their messages stay, from a number no guest has). What campaigns sent them stays
counted where it was counted: their rows that belong to a campaign are kept, detached from
guest and event (`guest_id` and `event_id` NULL), so each campaign's total, progress and
tallies still add up, while the event's tallies (kept by event) no longer count them, so its
guest count and its RSVP and delivery figures agree. What was still queued for them is
canceled first (counted as canceled by its campaign); rows of no campaign (a single send)
go with the guest.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import exists, select, text
from sqlalchemy.exc import IntegrityError

from app.config import LANGUAGES
from app.extensions import db
from app.models import Event, Guest, OptOut
from app.models.enums import states_text
from app.services import countries, guests, parties, passes
from app.services.countries import NumberHints
from app.services.edits import EditConflict, EditError, EditMissing
from app.services.events import MAX_ID

log = logging.getLogger(__name__)

FIELDS = ("name", "phone", "language", "variables", "plus_ones", "party_size")
# Heads, checked against each other and the event's allowance (`parties`); null clears.
HEADS = ("plus_ones", "party_size")

LOCK_EVENT = text("SELECT id FROM events WHERE id = :event_id FOR NO KEY UPDATE")
# The guest's messages, all kinds: a claim that took one first finishes (and is seen as
# `sending`); one that comes after skips them (claims skip locked rows).
LOCK_MESSAGES = states_text(
    "SELECT count(*) FILTER (WHERE send_state = :send_sending) FROM ("
    " SELECT send_state FROM invitations WHERE guest_id = :guest_id FOR UPDATE) AS mine"
)
KNOWN_UNREACHABLE = text("""
SELECT unreachable_code, unreachable_reason FROM guests
WHERE phone = :phone AND unreachable_code IS NOT NULL LIMIT 1
""")
CANCEL_QUEUED = states_text("""
UPDATE invitations SET send_state = :send_canceled, next_attempt_at = NULL, updated_at = now()
WHERE guest_id = :guest_id AND send_state IN (:send_pending, :send_paused)
""")
DETACH_COUNTED = text("""
UPDATE invitations SET guest_id = NULL, event_id = NULL, updated_at = now()
WHERE guest_id = :guest_id AND campaign_id IS NOT NULL
""")


@dataclass(frozen=True)
class GuestEdit:
    """A guest after a correction, and whether their number may be sent to."""

    guest: Guest
    opted_out: bool


def find_guest(guest_id: int) -> Guest:
    """The guest, or EditMissing."""
    guest = db.session.get(Guest, guest_id) if 0 < guest_id <= MAX_ID else None
    if guest is None:
        raise EditMissing(_("guest %(guest_id)s does not exist", guest_id=guest_id))
    return guest


def phone_region(event: Event, default_region: str) -> str:
    """The country the event's national numbers are read in (`countries.event_country`)."""
    return countries.event_country(event, default_region)


def update_guest(guest_id: int, values: dict[str, Any], default_region: str) -> GuestEdit:
    """Apply the given fields (`FIELDS`; `variables` replaces the whole set) and commit.

    Raises:
        EditMissing: no such guest.
        EditError: a value the import would refuse (the message says why).
        EditConflict: the new phone is another guest's of the event, or a message to the
            guest is in flight while the phone changes.
    """
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise EditError(
            _(
                "unknown field %(unknown)s: expected %(choices)s",
                unknown=repr(unknown[0]),
                choices=", ".join(FIELDS),
            )
        )
    guest = _lock_guest(guest_id, update=False)
    region = phone_region(guest.event, default_region)
    hints = NumberHints(region, countries.likely_countries(guest.event, default_region))
    try:
        checked = _checked({k: v for k, v in values.items() if k not in HEADS}, hints)
        if any(name in values for name in HEADS):  # a name alone is never held up by them
            checked.update(_checked_heads(guest, values))
        if checked.get("phone", guest.phone) != guest.phone:
            _move_number(guest, checked["phone"])
        for field, value in checked.items():
            setattr(guest, field, value)
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise EditConflict(
            _("another guest of the event was given this number meanwhile"), "phone"
        ) from None
    except EditError:
        db.session.rollback()
        raise
    opted_out = bool(db.session.scalar(select(exists().where(OptOut.phone == guest.phone))))
    if "party_size" in checked:  # a new party voids the pass: the new one from the engine
        passes.renew_and_send(guest.id)
    db.session.commit()
    log.info("guest %s corrected: %s", guest.id, ", ".join(sorted(checked)) or "nothing")
    return GuestEdit(guest, opted_out)


def _checked(values: dict[str, Any], hints: NumberHints) -> dict[str, Any]:
    """The fields as stored, checked as an import's (a national number in `hints.region`);
    EditError (naming the field) when one is wrong."""
    if "variables" in values and not isinstance(values["variables"], dict):
        raise EditError(_("variables must be an object of names and values"), "variables")
    checked: dict[str, Any] = {}
    for name, value in values.items():
        if name == "language":
            if value not in LANGUAGES:
                raise EditError(
                    _("language must be one of %(choices)s", choices=", ".join(LANGUAGES)), name
                )
            checked[name] = value
            continue
        try:
            checked.update(guests.check_fields({name: value}, hints.region, hints))
        except ValueError as error:
            raise EditError(str(error), name) from None
    return checked


def _checked_heads(guest: Guest, values: dict[str, Any]) -> dict[str, Any]:
    """The guest's allowance and party as given (null: the event's allowance, not said),
    the party within 1 + the allowance that will hold; EditError names the allowance."""
    checked: dict[str, Any] = {}
    if "plus_ones" in values:
        given = values["plus_ones"]
        try:
            checked["plus_ones"] = None if given is None else parties.check_plus_ones(given)
        except ValueError as error:
            raise EditError(str(error), "plus_ones") from None
    try:
        allowed = parties.allowance(
            checked.get("plus_ones", guest.plus_ones), guest.event.plus_ones
        )
        party = values.get("party_size", guest.party_size)
        if party is not None:
            party = parties.check_party_size(party, allowed)
    except ValueError as error:
        message = str(error)
        if "party_size" not in values:
            message = _(
                "the guest's party is %(party)s: with plus_ones %(plus_ones)s it can be at"
                " most %(most)s; change party_size too",
                party=guest.party_size,
                plus_ones=allowed,
                most=1 + allowed,
            )
        raise EditError(message, "party_size") from None
    if "party_size" in values:
        checked["party_size"] = party
    return checked


def _move_number(guest: Guest, phone: str) -> None:
    """Give the guest a new number: none of the event's others, and no message in flight.

    What the provider said of the old number goes with it; what it said of the new one
    (for a guest of any event) comes with it.
    """
    if db.session.execute(LOCK_MESSAGES, {"guest_id": guest.id}).scalar_one():
        raise EditConflict(
            _("a message to this guest is being sent: change the number once it is"), "phone"
        )
    other = db.session.execute(
        select(Guest.id, Guest.name).where(
            Guest.event_id == guest.event_id, Guest.phone == phone, Guest.id != guest.id
        )
    ).first()
    if other is not None:
        raise EditConflict(
            _(
                "%(phone)s is already the number of guest %(id)s (%(name)s)",
                phone=phone,
                id=other.id,
                name=other.name,
            ),
            "phone",
        )
    known = db.session.execute(KNOWN_UNREACHABLE, {"phone": phone}).first()
    guest.unreachable_code = known.unreachable_code if known else None
    guest.unreachable_reason = known.unreachable_reason if known else None


def delete_guest(guest_id: int) -> None:
    """Delete the guest, keeping what campaigns counted of them (see the module's doc).

    Raises:
        EditMissing: no such guest.
        EditConflict: a message to the guest is in flight.
    """
    guest = _lock_guest(guest_id, update=True)
    params = {"guest_id": guest.id}
    if db.session.execute(LOCK_MESSAGES, params).scalar_one():
        db.session.rollback()
        raise EditConflict(_("a message to this guest is being sent: delete them once it is"))
    connection = db.session.connection()
    canceled = connection.execute(CANCEL_QUEUED, params).rowcount
    kept = connection.execute(DETACH_COUNTED, params).rowcount
    db.session.delete(guest)
    db.session.commit()
    log.info("guest %s deleted: %s queued canceled, %s counted kept", guest_id, canceled, kept)


def _lock_guest(guest_id: int, update: bool) -> Guest:
    """Lock the guest after their event (the lifecycle's order: event, campaign, guest,
    invitations); `update` for a deletion, else FOR NO KEY UPDATE."""
    event_id = find_guest(guest_id).event_id
    # A campaign's start writes rows for the event's guests: one does not start meanwhile.
    db.session.execute(LOCK_EVENT, {"event_id": event_id})
    lock: Any = True if update else {"key_share": True}
    guest = db.session.get(Guest, guest_id, with_for_update=lock, populate_existing=True)
    if guest is None:
        db.session.rollback()
        raise EditMissing(_("guest %(guest_id)s does not exist", guest_id=guest_id))
    return guest
