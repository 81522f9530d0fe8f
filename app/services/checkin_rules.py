"""What a scan at the door is (read from the API's JSON or the door page's form), and why a
check-in is refused: one error per answer (the API answers 404, 409 and 400)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from flask_babel import gettext as _
from flask_babel import ngettext

from app.models.base import utcnow
from app.models.event import MAX_PARTY

if TYPE_CHECKING:
    from app.services.checkins import DoorParty

# A device's own id for a scan (a UUID, or anything of these characters) and its name.
CLIENT_ID = re.compile(r"[A-Za-z0-9._:\-]{1,64}")
MAX_DEVICE = 64
MAX_CODE = 64
# A device's clock ahead of the server's by more than this is not believed.
CLOCK_SKEW = timedelta(minutes=5)


class CheckInRefused(Exception):
    """A check-in that can't be done as asked (the message says why)."""


class UnknownPass(CheckInRefused):
    """No guest of the event who may come in has this code (or id): unknown, void, or a
    guest who has not confirmed."""


class ScanReused(CheckInRefused):
    """The scan's id names another event's check-in."""


class PartyComplete(CheckInRefused):
    """Everyone of the party is in already; `party` says when the pass was first used."""

    def __init__(self, party: DoorParty) -> None:
        super().__init__(
            _(
                "all %(party)s of %(name)s's party are in already",
                party=party.party,
                name=party.name,
            )
        )
        self.party = party


class TooMany(CheckInRefused):
    """More people than are left of the party."""

    def __init__(self, party: DoorParty, count: int) -> None:
        super().__init__(
            ngettext(
                "count %(count)s is more than are left: %(num)s of the party of %(party)s is"
                " left to check in",
                "count %(count)s is more than are left: %(num)s of the party of %(party)s are"
                " left to check in",
                party.left,
                count=count,
                party=party.party,
            )
        )
        self.party = party
        self.count = count


@dataclass(frozen=True)
class Scan:
    """One check-in as a device asks for it: a pass's code or a guest's id, how many (None:
    everyone left), the device's id for this scan and its name, when it scanned, who, and
    whether the device kept it while it had no network (`kept`: the people are in already,
    so it records what is left of the party instead of being refused past it)."""

    code: str | None = None
    guest_id: int | None = None
    count: int | None = None
    client_id: str | None = None
    device: str | None = None
    scanned_at: datetime | None = None
    user_id: int | None = None
    kept: bool = False


def check_count(value: object) -> int | None:
    """A count of people: a whole number from 1 to the largest party (digits from a form
    too), or None when absent; ValueError otherwise."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_PARTY:
        raise ValueError(
            _("count must be a whole number of people from 1 to %(limit)s", limit=MAX_PARTY)
        )
    return value


def scan_from(fields: Mapping[str, object], user_id: int | None = None) -> Scan:
    """The scan these fields ask for (`code` or `guest_id`, `count`, `client_id`, `device`,
    `scanned_at`, `kept`); ValueError naming the field that is wrong."""
    code, guest_id = fields.get("code"), fields.get("guest_id")
    if code is not None and (not isinstance(code, str) or len(code) > MAX_CODE):
        raise ValueError(
            _(
                "code must be a pass's code such as K7QM-2XDP (text, %(limit)s at most)",
                limit=MAX_CODE,
            )
        )
    return Scan(
        code=code or None,
        guest_id=_guest_id(guest_id) if code is None else None,
        count=check_count(fields.get("count")),
        client_id=_client_id(fields.get("client_id")),
        device=_device(fields.get("device")),
        scanned_at=scanned_time(fields.get("scanned_at")),
        user_id=user_id,
        kept=_flag(fields.get("kept"), "kept"),
    )


def _flag(value: object, name: str) -> bool:
    """A yes/no field: true, false, absent (false), or a form's "1"/"0"/"true"/"false"."""
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("", "0", "false", "1", "true"):
        return value.strip().lower() in ("1", "true")
    raise ValueError(_("%(name)s must be true or false", name=name))


def _guest_id(value: object) -> int | None:
    """A guest's id (digits from a form too), or None when absent."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.isdigit() and len(value) < 10:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(_("guest_id must be a guest's id"))
    return value


def _client_id(value: object) -> str | None:
    """The device's id for the scan, or None."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not CLIENT_ID.fullmatch(value):
        raise ValueError(_("client_id must be up to 64 letters, digits, '.', '_', ':' or '-'"))
    return value


def _device(value: object) -> str | None:
    """The device's name, or None."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > MAX_DEVICE or not value.isprintable():
        raise ValueError(
            _("device must be a name of at most %(limit)s characters", limit=MAX_DEVICE)
        )
    return value.strip() or None


def scanned_time(value: object) -> datetime | None:
    """When the device scanned (ISO 8601; UTC without an offset), or None for now; a time
    ahead of the server's clock is now."""
    if value is None or value == "":
        return None
    try:
        parsed = datetime.fromisoformat(value.strip()) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None or not 2000 <= parsed.year <= 9999:
        raise ValueError(_("scanned_at must be an ISO 8601 date-time such as 2026-06-01T21:30:00Z"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    now = utcnow()
    return now if parsed > now + CLOCK_SKEW else parsed
