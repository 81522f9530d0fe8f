"""Record a guest's message once and apply it: an RSVP, an opt-out or opt-in, an answer to
one of the event's questions, or inbox text; and say what to answer the guest.

The recording is one statement (`app.services.inbound_statement`); what follows it runs
after it: the seat of a yes to an event with a capacity (`app.services.inbound_offers`), the
pass of an event that gives passes (`app.services.passes`) and the event's questions
(`app.services.question_flow`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from app.extensions import webhook_writes
from app.logs import mask_phone
from app.models import InboundKind, Rsvp
from app.services import button_asks, party_wording, passes, question_flow
from app.services import inbound_offers as offers
from app.services.buttons import Buttons, Tap, party_buttons, tap_of
from app.services.inbound_statement import COUNT, RECORD_AND_APPLY, variant_of
from app.services.party_wording import Answered
from app.services.replies import Reading, answer_language, classify, confirmation
from app.services.webhook_forms import InboundForm
from app.urls import public_url

log = logging.getLogger(__name__)


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
    asking: bool = False  # they are being asked one (the message was not stored yet)
    passes: bool = False  # their event gives passes for the door (`app.services.passes`)
    has_pass: bool = False  # they hold a valid one

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
            bool(row.get("asking")),
            bool(row.get("passes")),
            bool(row.get("has_pass")),
        )


@dataclass(frozen=True)
class InboundOutcome:
    """What recording a message did, and what to answer."""

    duplicate: bool
    reading: Reading
    message_id: int | None = None
    target: Target | None = None
    reply: str | None = None
    held: bool = False  # not stored: the guest is being asked a question (read it first)
    media_url: str | None = None  # an image sent with the reply (the guest's new pass)
    # "How many of you?" with buttons, sent apart from the confirmation (`button_asks`).
    ask_party: tuple[str, Buttons] | None = None


def record_inbound(form: InboundForm, received_at: datetime) -> InboundOutcome:
    """Record a message once per MessageSid and apply it, atomically."""
    tap = tap_of(form.params, form.button_payload)
    tapped = _record_tapped(form, tap, received_at)
    if tapped is not None:
        return tapped
    if tap is not None:  # a party tap reads as the number typed (same rules, same checks)
        reading = classify(str(tap.party), phone=form.phone)
    else:
        reading = classify(form.body, form.button_payload, form.button_text, form.phone)
    outcome = _record_reading(form, reading, received_at)
    if outcome.held:  # the guest is being asked a question: is this its answer?
        as_answer = _answer_question(form, reading, received_at)
        if as_answer is not None:
            return as_answer
        outcome = _record_reading(form, reading, received_at, questions_read=True)
    target = outcome.target
    if outcome.duplicate or target is None:
        return outcome
    language = answer_language(outcome.reading, target.language, form.phone, target.follow_replies)
    if outcome.reading.kind is InboundKind.TEXT:
        return _after_text(outcome, target, form.body, received_at, language)
    if outcome.reading.kind is InboundKind.RSVP:
        return _after_answer(outcome, target, received_at, language)
    return outcome


def _after_text(
    outcome: InboundOutcome, target: Target, body: str, received_at: datetime, language: str
) -> InboundOutcome:
    """What text from a known guest may still do: ask for their pass again, or change a
    choice they gave to one of the event's questions."""
    if target.passes and passes.asks_again(body):
        return _pass_again(outcome, target, language)
    return _revise_answer(outcome, target, body, received_at, language)


def _record_tapped(
    form: InboundForm, tap: Tap | None, received_at: datetime
) -> InboundOutcome | None:
    """A tap read before any words: an offer's Claim or Pass, or a choice of a question."""
    if offers.is_offer_answer(form):
        return _record_offer_answer(form, received_at)
    if tap is not None and tap.question_id is not None:
        return _record_choice_tap(form, tap, received_at)
    return None


def _record_offer_answer(form: InboundForm, received_at: datetime) -> InboundOutcome:
    """A tap on an offer's Claim or Pass (`app.services.inbound_offers`)."""
    answered = offers.record_offer_answer(form, received_at)
    reading = Reading(InboundKind.RSVP if answered.applied else InboundKind.TEXT)
    return InboundOutcome(
        answered.duplicate,
        reading,
        answered.message_id,
        None,
        answered.reply,
        media_url=answered.media_url,
    )


def _after_answer(
    outcome: InboundOutcome, target: Target, received_at: datetime, language: str
) -> InboundOutcome:
    """What follows a recorded answer: a seat or the waitlist (an event with a capacity), a
    pass, and the event's questions."""
    told = None
    if target.capped:
        told = offers.seat_after(target.guest_id, target.event_name, language)
        outcome = outcome if told is None else replace(outcome, reply=told)
    if outcome.ask_party is not None and told is None:
        button_asks.queue_alone(target.guest_id, *outcome.ask_party)
    outcome = _give_pass(outcome, target, language)
    return _ask_questions(outcome, target, received_at, language)


def _settled_yes(outcome: InboundOutcome, target: Target) -> bool:
    """Whether the message leaves the guest at yes with a known party (a yes with a number,
    a number after a yes, or a yes from a guest who may bring no one)."""
    # A bare head count is recorded as an RSVP that keeps the answer the guest had.
    answer = outcome.reading.rsvp or (target.rsvp if outcome.reading.party else None)
    party_known = not target.allowance or (outcome.reading.party or target.party_size)
    return answer is Rsvp.CONFIRMED and bool(party_known)


def _give_pass(outcome: InboundOutcome, target: Target, language: str) -> InboundOutcome:
    """A settled yes from a seated guest without a valid pass (a first yes, a new party)
    gets one: its words added to the reply, its image sent with it."""
    new_party = outcome.reading.party not in (None, target.party_size)
    if not target.passes or not _settled_yes(outcome, target):
        return outcome
    if target.has_pass and not new_party:
        return outcome
    given = passes.issue(target.guest_id)
    if given is None:
        return outcome
    reply = "\n\n".join(filter(None, (outcome.reply, given.words(language))))
    return replace(outcome, reply=reply, media_url=public_url(given.image_path()))


def _pass_again(outcome: InboundOutcome, target: Target, language: str) -> InboundOutcome:
    """A guest who asks for their pass gets it again, or is told it comes with their yes."""
    held = passes.current(target.guest_id)
    if held is None:
        return replace(outcome, reply=passes.none_yet(language))
    return replace(outcome, reply=held.words(language), media_url=public_url(held.image_path()))


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


def _record_choice_tap(form: InboundForm, tap: Tap, received_at: datetime) -> InboundOutcome:
    """A tap on a choice: the answer to the question it belongs to while that question is
    asked; else (a stale tap) it answers nothing and waits in the inbox."""
    asked = question_flow.pending(form.phone, received_at)
    choice = tap.choice or 0
    if (
        asked is not None
        and asked.question.id == tap.question_id
        and 1 <= choice <= len(asked.question.choices)
    ):
        reading = Reading(InboundKind.TEXT)
        language = answer_language(reading, asked.language, form.phone, asked.follow_replies)
        given = question_flow.Given(None, [choice])
        recorded = question_flow.record(asked, given, form, received_at, language)
        return InboundOutcome(
            recorded.duplicate, Reading(recorded.kind), recorded.message_id, None, recorded.reply
        )
    return _record_reading(form, Reading(InboundKind.TEXT), received_at, questions_read=True)


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
    if not target.asks_questions or not _settled_yes(outcome, target):
        return outcome
    question = question_flow.start(target.guest_id, received_at, language)
    if question is None:
        return outcome
    return replace(outcome, reply="\n\n".join(filter(None, (outcome.reply, question))))


def _record_reading(
    form: InboundForm, reading: Reading, received_at: datetime, questions_read: bool = False
) -> InboundOutcome:
    """Record a message read as an answer, opt-out or text once, and apply it (one
    statement); held, not stored, when the guest is being asked a question and the message
    was not read against it yet (`questions_read`)."""
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
            "asked_since": received_at - question_flow.ASKING_FOR,
            "questions_read": questions_read,
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
    if row["message_id"] is None and target is not None and target.asking and not questions_read:
        return InboundOutcome(duplicate=False, reading=reading, target=target, held=True)
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
    reply, ask_party = _reply(reading, stored, target, form.phone)
    if stored is not reading.kind or variant_of(reading) == COUNT:
        reading = Reading(stored, language=reading.language, party=reading.party)
    return InboundOutcome(False, reading, row["message_id"], target, reply, ask_party=ask_party)


def _reply(
    reading: Reading, stored: InboundKind, target: Target, phone: str | None
) -> tuple[str | None, tuple[str, Buttons] | None]:
    """What to answer a known guest: the confirmation of what the message changed, their
    allowance when its party does not fit, or nothing for text; and "how many of you?"
    with buttons when it goes apart from the confirmation."""
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
        return (party_wording.refused(answered) if refused else None), None
    if counting:
        return party_wording.noted(answered), None
    text = confirmation(reading, target.guest_name, target.event_name, language)
    if stored is not InboundKind.RSVP:
        return text, None
    asked = party_wording.how_many(answered) if text is not None else None
    buttons = None if asked is None else party_buttons(asked, target.allowance, language)
    if asked is None or buttons is None:
        return party_wording.after_answer(answered, text), None
    return party_wording.after_answer(answered, text, ask=False), (asked, buttons)
