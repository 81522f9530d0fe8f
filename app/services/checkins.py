"""Check-in at the door: a guest's party let in once, in parts, by several devices at once.

A party is found by its pass's code (scanned or typed) or by the guest's id (the name
search); either way only a guest who said yes and is not waitlisted is let in, and by code
only while the code is the guest's current pass (a replaced one is void). The guest's row
is locked (`SELECT ... FOR NO KEY UPDATE`) for the whole check-in, so devices admitting the
same party at once take turns: each counts who is in after the one before it committed, and
none admits more than the party. A device names each scan (`client_id`): the same scan sent
again (a queue replayed once the network is back) is the first one's result, never a second
check-in. Flask-free but for the session (`app.extensions.db`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Row, select, text

from app.extensions import db
from app.models import Guest, Invitation, Rsvp
from app.models.base import utcnow
from app.services.checkin_rules import (
    PartyComplete,
    Scan,
    ScanReused,
    TooMany,
    UnknownPass,
)
from app.services.pass_codes import normalize, shown

log = logging.getLogger(__name__)

UNKNOWN_CODE = "no guest of this event has this pass (a replaced pass is void)"
UNKNOWN_GUEST = "no guest of this event who said yes (and is not waitlisted) has this id"
# Each guest's party at the door: how many are in, and the first scan (when, by whom).
PARTIES = text("""
SELECT g.id, g.name, g.pass_code, coalesce(g.party_size, 1) AS party,
       coalesce(t.people, 0) AS checked_in, t.last_at,
       f.scanned_at AS first_at, f.email AS first_email, f.device AS first_device
FROM guests AS g
LEFT JOIN LATERAL (
  SELECT CAST(sum(people) AS integer) AS people, max(scanned_at) AS last_at
  FROM checkins WHERE guest_id = g.id
) AS t ON true
LEFT JOIN LATERAL (
  SELECT c.scanned_at, u.email, c.device
  FROM checkins AS c LEFT JOIN users AS u ON u.id = c.user_id
  WHERE c.guest_id = g.id ORDER BY c.scanned_at, c.id LIMIT 1
) AS f ON true
WHERE g.id = ANY(CAST(:ids AS integer[]))
""")
RECORDED = text("SELECT event_id, guest_id, people FROM checkins WHERE client_id = :client_id")
INSERT = text("""
INSERT INTO checkins (event_id, guest_id, people, pass_code, user_id, device, client_id,
                      scanned_at)
VALUES (:event_id, :guest_id, :people, :pass_code, :user_id, :device, :client_id, :scanned_at)
ON CONFLICT (client_id) DO NOTHING
RETURNING id
""")


@dataclass(frozen=True)
class FirstUse:
    """The party's first scan: when (the device's time), by which user and device."""

    at: datetime
    email: str | None
    device: str | None


@dataclass(frozen=True)
class DoorParty:
    """A guest at the door: their party and how many of it are in."""

    guest_id: int
    name: str
    party: int
    checked_in: int
    pass_code: str | None  # shown ("K7QM-2XDP"), None without a pass
    first: FirstUse | None = None
    last_at: datetime | None = None  # the latest scan: when a complete party completed

    @property
    def left(self) -> int:
        """How many of the party may still come in."""
        return max(0, self.party - self.checked_in)

    @property
    def complete(self) -> bool:
        """Whether the whole party is in."""
        return self.left == 0

    def as_json(self) -> dict[str, Any]:
        """The party as the API and the door page read it (times ISO 8601, UTC)."""
        first = self.first
        return {
            "guest_id": self.guest_id,
            "name": self.name,
            "party": self.party,
            "checked_in": self.checked_in,
            "left": self.left,
            "pass_code": self.pass_code,
            "first_at": _iso(first.at if first else None),
            "first_by": {"email": first.email, "device": first.device} if first else None,
            "completed_at": _iso(self.last_at if self.complete and first else None),
        }


def _iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC, or None."""
    return value.astimezone(UTC).isoformat() if value is not None else None


@dataclass(frozen=True)
class CheckInResult:
    """A check-in: the party after it, how many it let in, whether it was a repeat of a
    scan already recorded (`replayed`: nothing new was written), and how many a kept scan
    counted past the party (`over`: they came in while another device let the party in)."""

    party: DoorParty
    admitted: int
    replayed: bool = False
    over: int = 0

    def as_json(self) -> dict[str, Any]:
        """The party after the check-in, how many it let in, whether it was a repeat, and
        how many past the party it counted."""
        return {
            **self.party.as_json(),
            "admitted": self.admitted,
            "replayed": self.replayed,
            "over": self.over,
        }


def parties_of(guest_ids: list[int]) -> dict[int, DoorParty]:
    """The door's view of these guests, by id (one query)."""
    rows = db.session.execute(PARTIES, {"ids": guest_ids}).all()
    return {row.id: _party(row) for row in rows}


def _party(row: Row[tuple[object, ...]]) -> DoorParty:
    """A `PARTIES` row as a DoorParty."""
    first = None
    if row.first_at is not None:
        first = FirstUse(row.first_at, row.first_email, row.first_device)
    return DoorParty(
        guest_id=row.id,
        name=row.name,
        party=row.party,
        checked_in=row.checked_in,
        pass_code=shown(row.pass_code) if row.pass_code else None,
        first=first,
        last_at=row.last_at,
    )


def find_party(event_id: int, code: str | None = None, guest_id: int | None = None) -> DoorParty:
    """The party of a pass's code (as scanned or typed) or of a guest, without letting
    anyone in.

    Raises:
        UnknownPass: no guest of the event who may come in has that code (or that id).
    """
    found = _eligible(event_id, code, guest_id, lock=False)
    return parties_of([found])[found]


def check_in(event_id: int, scan: Scan) -> CheckInResult:
    """Let in `scan.count` people of a party (default: everyone not in yet), exactly once.

    Raises:
        UnknownPass: the code (or id) is no guest of the event who may come in.
        PartyComplete: everyone of the party is in already (with the first scan).
        TooMany: more than are left of the party.
        ScanReused: the scan's id was another event's check-in.
    """
    try:
        result = _replayed(event_id, scan.client_id)  # recorded: the device sent it again
        if result is None:
            result = _admit(event_id, scan)
    except Exception:
        db.session.rollback()
        raise
    return result


def _admit(event_id: int, scan: Scan) -> CheckInResult:
    """Lock the guest, count who is in, and record the check-in (committed)."""
    guest_id = _eligible(event_id, scan.code, scan.guest_id, lock=True)
    # A copy of this scan may have been recorded while this one waited for the lock.
    replayed = _replayed(event_id, scan.client_id)
    if replayed is not None:
        db.session.rollback()
        return replayed
    party = parties_of([guest_id])[guest_id]
    people = _admissible(party, scan.count, scan.kept)
    inserted = db.session.execute(
        INSERT,
        {
            "event_id": event_id,
            "guest_id": guest_id,
            "people": people,
            "pass_code": normalize(scan.code) if scan.code else None,
            "user_id": scan.user_id,
            "device": scan.device,
            "client_id": scan.client_id,
            "scanned_at": scan.scanned_at or utcnow(),
        },
    ).scalar()
    if inserted is None:  # the same scan id, recorded meanwhile for another guest
        db.session.rollback()
        return _replay_or_refuse(event_id, scan.client_id)
    db.session.commit()
    log.info("checked in %s of guest %s (event %s)", people, guest_id, event_id)
    over = (scan.count or people) - people
    return CheckInResult(parties_of([guest_id])[guest_id], people, over=over)


def _eligible(event_id: int, code: str | None, guest_id: int | None, *, lock: bool) -> int:
    """The id of the event's guest who may come in, by code or id (locked when `lock`)."""
    if code is not None:
        normalized = normalize(code)
        if normalized is None:
            raise UnknownPass(_("this is not a pass's code (8 letters and digits, K7QM-2XDP)"))
        match, missing = Guest.pass_code == normalized, UNKNOWN_CODE
    elif guest_id is not None:
        match, missing = Guest.id == guest_id, UNKNOWN_GUEST
    else:
        raise UnknownPass(_("give a pass's code or a guest"))
    query = select(Guest.id).join(Guest.invitation).where(Guest.event_id == event_id, match)
    query = query.where(Invitation.rsvp == Rsvp.CONFIRMED, Guest.waitlisted_at.is_(None))
    if lock:  # the party's turn at the door: other devices wait for this check-in
        query = query.with_for_update(of=Guest, key_share=True)
    found = db.session.scalar(query)
    if found is None:
        raise UnknownPass(missing)
    return found


def _admissible(party: DoorParty, count: int | None, kept: bool) -> int:
    """How many this check-in lets in: `count`, or everyone left; refused past the party,
    unless the device kept it offline (then: what is left of the party)."""
    if party.complete:
        raise PartyComplete(party)
    if count is None:
        return party.left
    if count > party.left:
        if kept:
            return party.left
        raise TooMany(party, count)
    return count


def _replayed(event_id: int, client_id: str | None) -> CheckInResult | None:
    """The result of a scan already recorded under this id, or None when there is none."""
    if client_id is None:
        return None
    row = db.session.execute(RECORDED, {"client_id": client_id}).first()
    if row is None:
        return None
    if row.event_id != event_id:
        raise ScanReused(_("this scan id was used for another event's check-in"))
    return CheckInResult(parties_of([row.guest_id])[row.guest_id], row.people, replayed=True)


def _replay_or_refuse(event_id: int, client_id: str | None) -> CheckInResult:
    """The recorded result of a scan id that conflicted on insert."""
    result = _replayed(event_id, client_id)
    if result is None:  # the conflicting row went (its guest deleted) in between
        raise ScanReused(_("this scan id was just used: send it again"))
    return result
