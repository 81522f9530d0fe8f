"""Record a guest's message once and apply it: an RSVP, an opt-out or opt-in, or inbox text."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from types import MappingProxyType
from typing import Any

from app.extensions import webhook_writes
from app.logs import mask_phone
from app.models import InboundKind, Rsvp
from app.services import inbound_offers as offers
from app.services import party_wording, question_flow
from app.services.party_wording import Answered
from app.services.replies import Reading, answer_language, classify, confirmation
from app.services.webhook_forms import InboundForm
from app.statements import Prepared

log = logging.getLogger(__name__)

# The variant of a bare head count: text that answers only a guest who said yes.
COUNT = "count"

# The invitation a message answers: the one it replies to, or whose reminder or follow-up
# it replies to (when the sender is that invitation's guest: a forwarded message tapped by
# someone else is not their answer), else
# the sender's latest (sent invitations first), else just the guest. Indexed lookups.
# What a head count is checked against: the answer and party the guest has, and how many
# they may bring besides themself (their own allowance, else the event's).
HEADS = """i.rsvp AS current_rsvp, i.rsvp_at AS current_rsvp_at, g.party_size,
               COALESCE(g.plus_ones, e.plus_ones) AS allowance,
               e.capacity IS NOT NULL AS capped, g.waitlisted_at IS NOT NULL AS waitlisted,
               EXISTS (SELECT 1 FROM questions q WHERE q.event_id = e.id) AS asks_questions"""
BY_REPLIED_SID = f"""
        SELECT 0 AS priority, i.id AS invitation_id, g.id AS guest_id, g.event_id,
               g.name AS guest_name, e.name AS event_name, i.accepted_at, i.created_at,
               g.language, e.language_from_replies, {HEADS}
        FROM invitations r
        JOIN invitations i ON i.guest_id = r.guest_id AND i.kind = 'invitation'
        JOIN guests g ON g.id = i.guest_id
        JOIN events e ON e.id = g.event_id
        WHERE r.message_sid = :replied_sid AND g.phone = :phone
        UNION ALL
"""  # noqa: S608 - a constant fragment
BY_PHONE = f"""
        SELECT 1 AS priority, i.id AS invitation_id, g.id AS guest_id, g.event_id,
               g.name AS guest_name, e.name AS event_name, i.accepted_at,
               COALESCE(i.created_at, g.created_at) AS created_at,
               g.language, e.language_from_replies, {HEADS}
        FROM guests g
        JOIN events e ON e.id = g.event_id
        LEFT JOIN invitations i ON i.guest_id = g.id AND i.kind = 'invitation'
        WHERE g.phone = :phone
"""  # noqa: S608 - a constant fragment
# A reply to a SID no invitation has, while one of the sender's invitations is being sent
# (its outcome not recorded yet: a request unanswered, a worker killed): it most likely
# answers that invitation, so it waits for the SID to be recorded (`app.sending.statuses`)
# instead of landing on whichever invitation is the latest.
AWAITED = """
        SELECT 1 FROM guests g JOIN invitations i ON i.guest_id = g.id
        WHERE g.phone = :phone AND i.send_state = 'sending'
          AND NOT EXISTS (SELECT 1 FROM invitations WHERE message_sid = :replied_sid)
        LIMIT 1
"""
FIND_TARGET = """
    SELECT invitation_id, guest_id, event_id, guest_name, event_name, language,
           language_from_replies, current_rsvp, current_rsvp_at, party_size, allowance,
           capped, waitlisted, asks_questions
    FROM ({candidates}) AS c
    ORDER BY priority, invitation_id IS NULL, accepted_at IS NULL,
             COALESCE(accepted_at, created_at) DESC, guest_id DESC
    LIMIT 1
"""

# Stored unless its MessageSid is known, in which case nothing else happens. An RSVP with
# no invitation to apply to is kept as text, and so is one whose party does not fit (0, or
# more than 1 + the allowance): the guest is told their allowance, the organiser sees it.
STORE_MESSAGE = """
    message AS (
        INSERT INTO inbound_messages
            (message_sid, from_phone, to_phone, body, kind, button_payload, rsvp, party_size,
             replied_message_sid, profile_name, guest_id, event_id, params, received_at)
        SELECT :message_sid, :from_address, :to_address, :body, {kind}, :button_payload,
               {rsvp}, :party, :replied_sid, :profile_name, target.guest_id, target.event_id,
               :params, :received_at
        FROM (VALUES (1)) AS one LEFT JOIN target ON true
        ON CONFLICT (message_sid) DO NOTHING
        RETURNING id, kind, rsvp
    )
"""
PARTY_FITS = ":party BETWEEN 1 AND 1 + target.allowance"
STORED_AS = MappingProxyType(
    {
        "plain": ("CAST(:kind AS text)", ":rsvp"),
        InboundKind.RSVP: (
            f"""CASE WHEN target.invitation_id IS NULL
                          AND NOT EXISTS (SELECT 1 FROM awaited) THEN 'text'
                     WHEN target.invitation_id IS NOT NULL AND :party IS NOT NULL
                          AND :rsvp <> 'declined' AND NOT ({PARTY_FITS}) THEN 'text'
                     ELSE 'rsvp' END""",  # noqa: S608 - constant fragments
            ":rsvp",
        ),
        # A bare count ("3", "+1") sizes the party of a guest who said yes (or maybe).
        COUNT: (
            f"""CASE WHEN target.current_rsvp IN ('confirmed', 'maybe') AND {PARTY_FITS}
                     THEN 'rsvp' ELSE 'text' END""",
            f"""CASE WHEN target.current_rsvp IN ('confirmed', 'maybe') AND {PARTY_FITS}
                     THEN target.current_rsvp END""",
        ),
    }
)

# A guest who typed in another language is written to in it from now on, when their event
# lets replies change a guest's language (`Reading.written_in`).
ADOPT_LANGUAGE = """,
    adopted AS (
        UPDATE guests SET language = :written_in
        FROM message, target
        WHERE guests.id = target.guest_id AND target.language_from_replies
          AND :written_in IS NOT NULL AND guests.language IS DISTINCT FROM :written_in
    )"""
# An answer also sets the party (in the same UPDATE as the language: one statement may
# update a row once): the size it stated, else the one said before; a "no" clears it.
# Like the answer, only when no newer one was recorded.
NEW_LANGUAGE = (
    "CASE WHEN target.language_from_replies AND :written_in IS NOT NULL"
    " THEN :written_in ELSE guests.language END"
)
NEW_PARTY = """CASE WHEN message.kind <> 'rsvp' OR target.invitation_id IS NULL
                  OR target.current_rsvp_at > :received_at THEN guests.party_size
             WHEN message.rsvp = 'declined' THEN NULL
             ELSE COALESCE(:party, guests.party_size) END"""
# An answer applied to an event with a capacity is undecided until the waitlist seats or
# waitlists it (`app.sending.waitlist.decide`, right after this statement, or by the sweep
# if this process dies first): it arrived at :received_at (the earliest undecided one
# counts), and until then the guest holds only the heads they held before (their party when
# seated, else none), so a crash in between never counts them as seated past the capacity.
UNDECIDED = """target.capped AND message.kind = 'rsvp' AND target.invitation_id IS NOT NULL
                  AND (target.current_rsvp_at IS NULL
                       OR target.current_rsvp_at <= :received_at)"""
NEW_PENDING_AT = f"""CASE WHEN {UNDECIDED}
                  THEN LEAST(guests.seat_pending_at, :received_at)
                  ELSE guests.seat_pending_at END"""
NEW_HELD = f"""CASE WHEN {UNDECIDED} THEN COALESCE(guests.seat_held,
                      CASE WHEN target.current_rsvp = 'confirmed' AND guests.waitlisted_at IS NULL
                           THEN COALESCE(guests.party_size, 1) ELSE 0 END)
             ELSE guests.seat_held END"""
ADOPT_LANGUAGE_AND_PARTY = f""",
    adopted AS (
        UPDATE guests SET language = {NEW_LANGUAGE}, party_size = {NEW_PARTY},
                          seat_pending_at = {NEW_PENDING_AT}, seat_held = {NEW_HELD}
        FROM message, target
        WHERE guests.id = target.guest_id
          AND (guests.language IS DISTINCT FROM {NEW_LANGUAGE}
               OR guests.party_size IS DISTINCT FROM {NEW_PARTY}
               OR ({UNDECIDED}))
    )"""  # noqa: S608 - constant fragments

# A newer STOP or START from the same sender wins over one replayed late from the spool.
NO_NEWER_CHOICE = """
    NOT EXISTS (
        SELECT 1 FROM inbound_messages
        WHERE from_phone = :from_address AND kind IN ('optout', 'optin')
          AND received_at > :received_at
    )
"""

# What each kind of message changes. The invitation keeps the latest answer by arrival
# time (a replayed older message never overwrites a newer one); every answer is kept.
APPLY = MappingProxyType(
    {
        InboundKind.TEXT: "",
        InboundKind.RSVP: """,
    answer AS (
        UPDATE invitations SET rsvp = message.rsvp, rsvp_at = :received_at, updated_at = now()
        FROM message, target
        WHERE message.kind = 'rsvp' AND invitations.id = target.invitation_id
          AND (invitations.rsvp_at IS NULL OR invitations.rsvp_at <= :received_at)
    ),
    history AS (
        INSERT INTO rsvp_responses (invitation_id, rsvp, inbound_message_id, created_at)
        SELECT target.invitation_id, message.rsvp, message.id, :received_at
        FROM message, target WHERE message.kind = 'rsvp'
    )""",
        InboundKind.OPTOUT: f""",
    opt_out AS (
        INSERT INTO opt_outs (phone, source, keyword, created_at)
        SELECT :e164, 'keyword', :keyword, :received_at FROM message
        WHERE :e164 IS NOT NULL AND {NO_NEWER_CHOICE}
        ON CONFLICT (phone) DO UPDATE SET
            source = excluded.source, keyword = excluded.keyword, created_at = excluded.created_at
    )""",  # noqa: S608 - a constant fragment
        InboundKind.OPTIN: f""",
    opt_in AS (
        DELETE FROM opt_outs USING message
        WHERE opt_outs.phone = :e164 AND {NO_NEWER_CHOICE}
    )""",  # noqa: S608 - a constant fragment
    }
)


PARAMETER_TYPES = MappingProxyType(
    {
        **dict.fromkeys(
            (
                "replied_sid",
                "phone",
                "message_sid",
                "from_address",
                "to_address",
                "body",
                "kind",
                "button_payload",
                "profile_name",
                "rsvp",
                "e164",
                "keyword",
                "written_in",
            ),
            "text",
        ),
        "params": "jsonb",
        "received_at": "timestamptz",
        "party": "integer",
    }
)


# What the reader may make of a message (an answer to a question is recorded apart).
READ_KINDS = tuple(kind for kind in InboundKind if kind is not InboundKind.ANSWER)


def _record_and_apply(variant: str, by_replied_sid: bool) -> Prepared:
    """One statement (one round trip, atomic) that finds, stores and applies a message.

    `variant` is the reading's kind, or COUNT for a bare head count. Only the parts a
    message needs are included; each variant is prepared once per connection, so
    PostgreSQL plans it once.
    """
    candidates = (BY_REPLIED_SID if by_replied_sid else "") + BY_PHONE
    answers = variant in (InboundKind.RSVP, COUNT)
    awaited = AWAITED if by_replied_sid and variant == InboundKind.RSVP else "SELECT 1 WHERE false"
    kind, rsvp = STORED_AS.get(variant, STORED_AS["plain"])
    apply = APPLY[InboundKind.RSVP if variant == COUNT else InboundKind(variant)]
    ctes = f"""
        awaited AS ({awaited}),
        target AS (
            SELECT * FROM ({FIND_TARGET.format(candidates=candidates)}) AS found
            WHERE NOT EXISTS (SELECT 1 FROM awaited)),
        {STORE_MESSAGE.format(kind=kind, rsvp=rsvp)}{apply}
        {ADOPT_LANGUAGE_AND_PARTY if answers else ADOPT_LANGUAGE}
    """  # noqa: S608 - constant fragments
    select = """
        SELECT message.id AS message_id, message.kind, target.*
        FROM (VALUES (1)) AS one LEFT JOIN message ON true LEFT JOIN target ON true
    """
    name = f"record_inbound_{variant}" + ("_by_sid" if by_replied_sid else "")
    return Prepared(name, ctes, select, PARAMETER_TYPES)


RECORD_AND_APPLY = MappingProxyType(
    {
        (variant, by_sid): _record_and_apply(variant, by_sid)
        for variant in (*(kind.value for kind in READ_KINDS), COUNT)
        for by_sid in (False, True)
    }
)


def variant_of(reading: Reading) -> str:
    """The statement variant a reading needs: its kind, or COUNT for a bare head count."""
    if reading.kind is InboundKind.TEXT and reading.party is not None:
        return COUNT
    return reading.kind.value


@dataclass(frozen=True)
class Target:
    """The guest (and invitation, if any) a message comes from."""

    invitation_id: int | None
    guest_id: int
    event_id: int
    guest_name: str
    event_name: str
    language: str | None = None  # the guest's stored language
    follow_replies: bool = False  # whether their replies may change it
    rsvp: Rsvp | None = None  # their answer before this message
    party_size: int | None = None  # their party before this message (NULL: not said)
    allowance: int = 0  # how many they may bring besides themself
    capped: bool = False  # their event has a capacity (`app.sending.waitlist`)
    waitlisted: bool = False  # they were waitlisted before this message
    asks_questions: bool = False  # their event has questions (`app.services.question_flow`)

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> Target | None:
        """The target in a statement's result row, or None when no guest has the number."""
        if row["guest_id"] is None:
            return None
        return cls(
            row["invitation_id"],
            row["guest_id"],
            row["event_id"],
            row["guest_name"],
            row["event_name"],
            row["language"],
            row["language_from_replies"],
            Rsvp(row["current_rsvp"]) if row["current_rsvp"] else None,
            row["party_size"],
            row["allowance"] or 0,
            bool(row.get("capped")),
            bool(row.get("waitlisted")),
            bool(row.get("asks_questions")),
        )


@dataclass(frozen=True)
class InboundOutcome:
    """What recording a message did, and what to answer."""

    duplicate: bool
    reading: Reading
    message_id: int | None = None
    target: Target | None = None
    reply: str | None = None


def record_inbound(form: InboundForm, received_at: datetime) -> InboundOutcome:
    """Record a message once per MessageSid and apply it, atomically."""
    if offers.is_offer_answer(form):
        answered = offers.record_offer_answer(form, received_at)
        reading = Reading(InboundKind.RSVP if answered.applied else InboundKind.TEXT)
        return InboundOutcome(
            answered.duplicate, reading, answered.message_id, None, answered.reply
        )
    reading = classify(form.body, form.button_payload, form.button_text, form.phone)
    answered_question = _answer_question(form, reading, received_at)
    if answered_question is not None:
        return answered_question
    outcome = _record_reading(form, reading, received_at)
    target = outcome.target
    if outcome.duplicate or target is None:
        return outcome
    language = answer_language(outcome.reading, target.language, form.phone, target.follow_replies)
    if outcome.reading.kind is InboundKind.TEXT:
        return _revise_answer(outcome, target, form.body, received_at, language)
    if outcome.reading.kind is not InboundKind.RSVP:
        return outcome
    if target.capped:
        told = offers.seat_after(target.guest_id, target.event_name, language)
        outcome = outcome if told is None else replace(outcome, reply=told)
    return _ask_questions(outcome, target, received_at, language)


def _answer_question(
    form: InboundForm, reading: Reading, received_at: datetime
) -> InboundOutcome | None:
    """Record the message as the answer to the question the sender was asked, if it is one."""
    asked = question_flow.pending(form.phone, received_at)
    if asked is None:
        return None
    given = question_flow.read_answer(asked.question, form, reading)
    if given is None:
        return None
    language = answer_language(reading, asked.language, form.phone, asked.follow_replies)
    recorded = question_flow.record(asked, given, form, received_at, language)
    return InboundOutcome(
        recorded.duplicate, Reading(recorded.kind), recorded.message_id, None, recorded.reply
    )


def _revise_answer(
    outcome: InboundOutcome, target: Target, body: str, received_at: datetime, language: str
) -> InboundOutcome:
    """Text that names other choices of a question the guest answered changes that answer."""
    if not target.asks_questions or outcome.message_id is None or outcome.reply is not None:
        return outcome
    said = question_flow.revise(target.guest_id, outcome.message_id, body, received_at, language)
    if said is None:
        return outcome
    return replace(outcome, reading=Reading(InboundKind.ANSWER), reply=said)


def _ask_questions(
    outcome: InboundOutcome, target: Target, received_at: datetime, language: str
) -> InboundOutcome:
    """After a yes whose party is known, add the event's first unanswered question."""
    # A bare head count is recorded as an RSVP that keeps the answer the guest had.
    answer = outcome.reading.rsvp or (target.rsvp if outcome.reading.party else None)
    party_known = not target.allowance or (outcome.reading.party or target.party_size)
    if not target.asks_questions or answer is not Rsvp.CONFIRMED or not party_known:
        return outcome
    question = question_flow.start(target.guest_id, received_at, language)
    if question is None:
        return outcome
    return replace(outcome, reply="\n\n".join(filter(None, (outcome.reply, question))))


def _record_reading(form: InboundForm, reading: Reading, received_at: datetime) -> InboundOutcome:
    """Record a message read as an answer, opt-out or text once, and apply it (one
    statement)."""
    row = webhook_writes().run(
        RECORD_AND_APPLY[variant_of(reading), form.replied_sid is not None],
        {
            "replied_sid": form.replied_sid,
            "phone": form.phone,
            "message_sid": form.message_sid,
            "from_address": form.from_address,
            "to_address": form.to_address,
            "body": form.body,
            "kind": reading.kind.value,
            "button_payload": form.button_payload,
            "profile_name": form.profile_name,
            "params": json.dumps(form.params, ensure_ascii=False),
            "received_at": received_at,
            "rsvp": reading.rsvp.value if reading.rsvp else None,
            "party": reading.party,
            "e164": form.e164,
            "keyword": reading.keyword,
            "written_in": reading.written_in,
        },
    )
    if row is None:  # the statement always returns its one row
        raise RuntimeError(f"inbound {form.message_sid}: no result row")
    target = Target.of(row)
    if row["message_id"] is None:
        log.debug("inbound %s already recorded", form.message_sid)
        return InboundOutcome(duplicate=True, reading=reading, target=target)
    stored = InboundKind(row["kind"])
    log.log(
        logging.INFO if stored in (InboundKind.OPTOUT, InboundKind.OPTIN) else logging.DEBUG,
        "inbound %s from %s: %s%s",
        form.message_sid,
        mask_phone(form.from_address),
        stored.value,
        f" {reading.rsvp.value}" if reading.rsvp and stored is reading.kind else "",
    )
    if target is None:
        stored_reading = reading if stored is reading.kind else Reading(stored)
        return InboundOutcome(
            False, stored_reading, row["message_id"], None, confirmation(stored_reading)
        )
    reply = _reply(reading, stored, target, form.phone)
    if stored is not reading.kind or variant_of(reading) == COUNT:
        reading = Reading(stored, language=reading.language, party=reading.party)
    return InboundOutcome(False, reading, row["message_id"], target, reply)


def _reply(reading: Reading, stored: InboundKind, target: Target, phone: str | None) -> str | None:
    """What to answer a known guest: the confirmation of what the message changed, their
    allowance when its party does not fit, or nothing for text."""
    language = answer_language(reading, target.language, phone, target.follow_replies)
    counting = variant_of(reading) == COUNT
    after = target.rsvp if counting else reading.rsvp
    answered = Answered(
        (target.guest_name or "").strip(),
        target.event_name,
        language,
        target.allowance,
        target.rsvp,
        after,
        target.party_size,
        None if after is Rsvp.DECLINED else (reading.party or target.party_size),
    )
    if stored is InboundKind.TEXT:
        refused = (
            reading.party is not None
            and target.invitation_id is not None
            and (not counting or target.rsvp in party_wording.COUNTED)
        )
        return party_wording.refused(answered) if refused else None
    if counting:
        return party_wording.noted(answered)
    text = confirmation(reading, target.guest_name, target.event_name, language)
    if stored is not InboundKind.RSVP:
        return text
    return party_wording.after_answer(answered, text)
