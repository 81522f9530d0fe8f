"""The data of `bench.million`: events, guests and invitations drawn into COPY files.

Every decision comes from one seeded random generator, so two runs of one shape write
the same data: Latin (accented) and Arabic names, phones of seven countries, campaigns
running, paused, canceled and completed, and their invitations in every state.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple, TextIO

LATIN_FIRST = (
    "José", "María", "Zoë", "François", "Søren", "Ana", "Łukasz", "Ada", "Grace", "Noah",
    "Chloé", "Inès", "Björn", "Małgorzata", "João", "Agnès", "Renée", "Hélène", "Jürgen",
    "Íñigo", "Ángela", "Lucía", "Sofía", "Mateo", "Hugo", "Léa", "Élodie", "Gaëlle", "Anaïs",
    "Noël", "Çağla", "Şebnem", "Ömer", "Mei", "Tomás", "Raúl", "Andrés", "Dagný", "Siân",
    "Žofie",
)  # fmt: skip
LATIN_LAST = (
    "Álvarez", "García", "Muñoz", "Pérez", "Ørsted", "Müller", "Schäfer", "Dubois",
    "Lefèvre", "Gonçalves", "Conceição", "Núñez", "Jiménez", "Öztürk", "Kowalski",
    "Wiśniewski", "Nováková", "Håkansson", "Lovelace", "Hopper", "Chen", "Nguyễn", "Brontë",
    "Fernández", "Sánchez", "Gómez", "Martín", "Rodríguez", "López", "Castaño", "Løkke",
    "Šimek", "Dvořák", "Ferrari", "Rossi", "O'Brien", "Van der Berg", "Lindqvist",
    "Ó Súilleabháin", "Weiß",
)  # fmt: skip
ARABIC_FIRST = (
    "محمد", "أحمد", "ليلى", "فاطمة", "يوسف", "مريم", "علي", "خالد", "نور", "سارة", "عمر",
    "حسن", "زينب", "هدى", "إبراهيم", "عائشة", "سلمى", "رنا", "طارق", "كريم", "ياسمين",
    "مصطفى", "جميلة", "سامي", "لينا",
)  # fmt: skip
ARABIC_FATHER = (
    "محمد", "أحمد", "علي", "خالد", "يوسف", "عمر", "حسن", "إبراهيم", "طارق", "كريم", "مصطفى",
    "سامي", "عبد الرحمن", "سعيد", "ناصر", "فيصل", "حمد", "سلمان", "ماجد", "جمال",
)  # fmt: skip
ARABIC_LAST = (
    "العلي", "حسن", "الحسيني", "إبراهيم", "الشمري", "القحطاني", "المصري", "الخطيب",
    "النجار", "حداد", "عبد الله", "السيد", "الزهراني", "منصور", "الهاشمي", "العتيبي",
    "الدوسري", "خليل", "سليمان", "يوسف", "الأنصاري", "البغدادي", "التميمي", "الكعبي",
    "الفارسي",
)  # fmt: skip
# Country prefixes and the digits that follow them (E.164 mobiles).
COUNTRIES = (
    ("+1202", 7), ("+1415", 7), ("+346", 8), ("+97150", 7), ("+9665", 8), ("+336", 8),
    ("+2010", 8),
)  # fmt: skip
# Numbers guests are drawn from: a guest of one event has a ~5% chance to share their
# number with a guest of another event (one person invited to both).
PHONE_POOL = 20_000_000
FAILURES = (
    (63024, "Not a WhatsApp user"),
    (63016, "Outside the allowed window: use a template"),
    (21211, "The phone number is not valid"),
    (63003, "Channel could not find the To address"),
    (30008, "Unknown error"),
)
OPT_OUTS = 1_000
PAUSED_INVITATIONS = 50_000
SENDER = "whatsapp:+14155238886"
NULL = "\\N"


@dataclass(frozen=True)
class Shape:
    """How much to seed."""

    events: int = 90
    guests_per_event: int = 10_000
    big_event: int = 100_000  # invitations of the one big event (0: none)
    seed: int = 20_261_202

    @property
    def invitations(self) -> int:
        """Invitations seeded (every event also has 1% more guests, never invited)."""
        return self.events * self.guests_per_event + self.big_event


@dataclass
class Seeded:
    """What was seeded, and the ids the measurements need."""

    big_event_id: int = 0
    big_campaign_id: int = 0
    big_guest_ids: tuple[int, int] = (0, 0)
    event_ids: list[int] = field(default_factory=list)
    active_campaign_ids: list[int] = field(default_factory=list)
    guests: int = 0
    invitations: Counter[str] = field(default_factory=Counter)
    delivery: Counter[str] = field(default_factory=Counter)
    rsvps: Counter[str] = field(default_factory=Counter)
    campaigns: Counter[str] = field(default_factory=Counter)
    in_paused_campaigns: int = 0
    opt_outs: int = 0
    unreachable: int = 0
    probe_phone: str = ""  # a phone of the big event, for the phone search
    seconds: dict[str, float] = field(default_factory=dict)
    all_visible: dict[str, float] = field(default_factory=dict)  # after VACUUM, per table

    def as_json(self) -> dict[str, Any]:
        """The figures of the seed."""
        return {
            "events": len(self.event_ids),
            "guests": self.guests,
            "invitations": sum(self.invitations.values()),
            "send_states": dict(self.invitations),
            "delivery_statuses": dict(self.delivery),
            "rsvps": dict(self.rsvps),
            "campaigns": dict(self.campaigns),
            "invitations_in_paused_campaigns": self.in_paused_campaigns,
            "opt_outs": self.opt_outs,
            "unreachable_guests": self.unreachable,
            "big_event_id": self.big_event_id,
            "all_visible_after_vacuum": self.all_visible,
            "seconds": {key: round(value, 1) for key, value in self.seconds.items()},
        }


def phone_of(slot: int) -> str:
    """The E.164 number of a slot of the pool."""
    prefix, digits = COUNTRIES[slot % len(COUNTRIES)]
    return f"{prefix}{slot // len(COUNTRIES):0{digits}d}"


def name_of(rng: random.Random) -> str:
    """A Latin name (with accents; half with two surnames) or an Arabic one (with the father's).

    Some 60,000 different names, so the planner's statistics see a realistic spread.
    """
    if rng.random() < 0.5:
        first, last = rng.choice(LATIN_FIRST), rng.choice(LATIN_LAST)
        return (
            f"{first} {last} {rng.choice(LATIN_LAST)}" if rng.random() < 0.5 else f"{first} {last}"
        )
    first, father = rng.choice(ARABIC_FIRST), rng.choice(ARABIC_FATHER)
    return f"{first} {father} {rng.choice(ARABIC_LAST)}"


def campaign_kinds(shape: Shape) -> list[str]:
    """The state of each small event's campaign: paused, running, canceled or completed."""
    paused = min(max(1, shape.events // 5), math.ceil(PAUSED_INVITATIONS / shape.guests_per_event))
    running = max(1, shape.events * 2 // 9)
    canceled = max(1, shape.events // 18)
    kinds = ["paused"] * paused + ["running"] * running + ["canceled"] * canceled
    return (kinds + ["completed"] * shape.events)[: shape.events]


def stamp(moment: datetime) -> str:
    """A timestamp as COPY reads it."""
    return moment.isoformat()


class Writer:
    """Draw each guest's invitation and write the rows of the COPY files."""

    def __init__(self, shape: Shape, files: dict[str, TextIO], seeded: Seeded) -> None:
        self.rng = random.Random(shape.seed)
        self.files = files
        self.seeded = seeded
        self.now = datetime.now(UTC)
        self.guest_id = 0
        self.invitation_id = 0
        self.opt_out_rate = OPT_OUTS * 1.3 / max(1, shape.invitations)
        self.opted_out: set[str] = set()
        self.phones: list[str] = []  # of the event being written

    def event(self, event_id: int, campaign_id: int, kind: str, invited: int) -> None:
        """One event's guests (1% never invited) and the invitations of its campaign."""
        age = timedelta(hours=self.rng.uniform(1, 12) if kind == "running" else 24 * 20)
        started = self.now - age
        slots = self.rng.sample(range(PHONE_POOL), invited + invited // 100)  # distinct
        self.phones = [phone_of(slot) for slot in slots]
        for index, phone in enumerate(self.phones):
            self.guest_id += 1
            state = (
                self.invitation(event_id, campaign_id, kind, started, phone)
                if index < invited
                else {}
            )
            unreachable = state.get("error_code") == 63024
            self.seeded.unreachable += unreachable
            self.write(
                "guests",
                self.guest_id,
                event_id,
                name_of(self.rng),
                phone,
                "{}",
                63024 if unreachable else None,
                "Not a WhatsApp user" if unreachable else None,
            )
            if len(self.opted_out) < OPT_OUTS and self.rng.random() < self.opt_out_rate:
                self.opted_out.add(phone)
        self.seeded.guests = self.guest_id

    def invitation(
        self, event_id: int, campaign_id: int, kind: str, started: datetime, phone: str
    ) -> dict[str, Any]:
        """Draw and write the invitation of the current guest; its columns."""
        self.invitation_id += 1
        row = self.draw(kind, started)
        self.seeded.invitations[row["send_state"]] += 1
        self.seeded.delivery[row.get("delivery_status") or "-"] += 1
        self.seeded.rsvps[row.get("rsvp") or "-"] += 1
        self.seeded.in_paused_campaigns += kind == "paused"
        self.write(
            "invitations",
            self.invitation_id,
            event_id,
            self.guest_id,
            campaign_id,
            *(row.get(column) for column in INVITATION_COLUMNS[4:]),
        )
        if row["send_state"] == "sending":
            self.write(
                "attempts", self.invitation_id, "in_flight", phone, SENDER, row["updated_at"]
            )
        return row

    def draw(self, kind: str, started: datetime) -> dict[str, Any]:
        """The columns of an invitation of a campaign of this kind."""
        rng = self.rng
        accepted, failed, sending = ACCEPTED_SHARE[kind]
        roll = rng.random()
        row: dict[str, Any] = {"created_at": stamp(started), "updated_at": stamp(self.now)}
        if roll < accepted:
            return self.accepted(row, started)
        if roll < accepted + failed:
            code, reason = rng.choice(FAILURES)
            return {
                **row,
                "send_state": "failed",
                "attempt_count": 1,
                "error_code": code,
                "error_reason": reason,
            }
        if roll < accepted + failed + sending:
            stale = rng.random() < 0.1
            until = self.now + timedelta(seconds=-300 if stale else 30)
            return {
                **row,
                "send_state": "sending",
                "attempt_count": 1,
                "claimed_by": "worker-1",
                "claimed_until": stamp(until),
                "next_attempt_at": stamp(started),
            }
        waiting = UNSENT_STATE[kind]
        due = started if rng.random() < 0.98 else self.now + timedelta(minutes=5)
        keep_due = waiting in ("pending", "paused")
        return {
            **row,
            "send_state": waiting,
            "attempt_count": 0,
            "next_attempt_at": stamp(due) if keep_due else None,
        }

    def accepted(self, row: dict[str, Any], started: datetime) -> dict[str, Any]:
        """An accepted invitation with a delivery status and, sometimes, an answer."""
        rng = self.rng
        at = started + timedelta(seconds=rng.uniform(0, 3600))
        status = rng.choices(DELIVERY, DELIVERY_WEIGHTS)[0]
        row = {
            **row,
            "send_state": "accepted",
            "attempt_count": 1,
            "accepted_at": stamp(at),
            "message_sid": f"SM{self.invitation_id:032x}",
            "delivery_status": status,
        }
        if status in ("delivered", "read"):
            row["delivered_at"] = stamp(at + timedelta(seconds=5))
        if status == "read":
            row["read_at"] = stamp(at + timedelta(minutes=2))
        if status == "undelivered":
            row["error_code"], row["error_reason"] = FAILURES[0]
        answer = rng.random()
        if status in ("delivered", "read") and answer < 0.45:
            row["rsvp"] = "confirmed" if answer < 0.3 else "declined" if answer < 0.4 else "maybe"
            row["rsvp_at"] = stamp(at + timedelta(minutes=10))
        return row

    def write(self, table: str, *values: Any) -> None:
        """One COPY text line (values never hold tabs, newlines or backslashes)."""
        line = "\t".join(NULL if value is None else str(value) for value in values)
        self.files[table].write(line + "\n")


INVITATION_COLUMNS = (
    "id", "event_id", "guest_id", "campaign_id", "send_state", "next_attempt_at",
    "attempt_count", "claimed_by", "claimed_until", "message_sid", "delivery_status",
    "error_code", "error_reason", "rsvp", "rsvp_at", "accepted_at", "delivered_at", "read_at",
    "created_at", "updated_at",
)  # fmt: skip
COPY_COLUMNS = {
    "guests": "guests (id, event_id, name, phone, variables, unreachable_code, unreachable_reason)",
    "invitations": f"invitations ({', '.join(INVITATION_COLUMNS)})",
    "attempts": "message_attempts (invitation_id, status, to_phone, sender, started_at)",
}
# Shares of accepted, failed and sending invitations per campaign kind; the rest wait.
ACCEPTED_SHARE = {
    "running": (0.50, 0.02, 0.01),
    "paused": (0.40, 0.02, 0.0),
    "canceled": (0.30, 0.02, 0.0),
    "completed": (0.93, 0.05, 0.0),
}
UNSENT_STATE = {"running": "pending", "paused": "paused", "canceled": "canceled"}
UNSENT_STATE["completed"] = "canceled"
DELIVERY = ("sent", "delivered", "read", "undelivered")
DELIVERY_WEIGHTS = (15, 40, 43, 2)
CAMPAIGN_STATE = {"paused": "paused", "running": "running"}
CAMPAIGN_STATE |= {"canceled": "canceled", "completed": "completed"}


class EventPlan(NamedTuple):
    """One event to seed, with its one campaign (same id)."""

    id: int
    kind: str  # the campaign's: paused, running, canceled or completed
    invitations: int
    big: bool = False


def plan_events(shape: Shape) -> list[EventPlan]:
    """Every event to seed: the small ones, then the big one (the most recent event)."""
    events = [
        EventPlan(number, kind, shape.guests_per_event)
        for number, kind in enumerate(campaign_kinds(shape), start=1)
    ]
    if shape.big_event:
        events.append(EventPlan(len(events) + 1, "completed", shape.big_event, big=True))
    return events


def write_files(shape: Shape, directory: Path, seeded: Seeded) -> list[EventPlan]:
    """Write the COPY files of guests, invitations, in-flight attempts and opt-outs."""
    events = plan_events(shape)
    paths = {table: directory / f"{table}.tsv" for table in COPY_COLUMNS}
    files = {table: path.open("w", encoding="utf-8") for table, path in paths.items()}
    writer = Writer(shape, files, seeded)
    try:
        for event in events:
            first = writer.guest_id + 1
            writer.event(event.id, event.id, event.kind, event.invitations)
            if event.big:
                seeded.big_event_id = seeded.big_campaign_id = event.id
                seeded.big_guest_ids = (first, writer.guest_id)
                seeded.probe_phone = writer.phones[event.invitations * 3 // 4]
            seeded.campaigns[event.kind] += 1
    finally:
        for file in files.values():
            file.close()
    (directory / "opt_outs.tsv").write_text(
        "".join(f"{phone}\tkeyword\tSTOP\n" for phone in sorted(writer.opted_out)),
        encoding="utf-8",
    )
    seeded.opt_outs = len(writer.opted_out)
    seeded.event_ids = [event.id for event in events]
    seeded.active_campaign_ids = [e.id for e in events if e.kind in ("running", "paused")]
    return events
