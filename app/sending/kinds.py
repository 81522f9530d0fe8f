"""Each kind of message the engine sends, declared once.

The engine sends every kind the same way: claims, pacing, reconciliation, opt-outs, and one
row per guest and kind in `invitations`, so each guest gets each kind exactly once. A
`Kind` says what differs:

- `audience`: who it goes to, as SQL over the guest's invitation `i` (None for the
  invitation itself, whose audience is every guest not invited yet);
- `template_setting`: the environment variable of its approved template (with an S, one
  per language), and `free_text`: whether a plain body may stand in when there is none
  (only inside WhatsApp's 24-hour window: an invitation, which opens the conversation, or
  the organiser's reply to a guest who wrote); `text_in_window`: a plain body stands in
  only for a guest whose window is open (an update), the others fail with 63016's reason;
- `until_start`: whether it stops at the event's start (everything but an invitation, a
  reply, a cancellation and the after-event kinds), and `after_start`: whether it waits for
  the start (a thank-you, a missed-you);
- `watches`: whether its campaign keeps running until the event starts, queueing guests as
  they come due, and `one_per_event`: whether an event has one such campaign at a time;
- `still_meant`: the check made again when each message is claimed (a guest who declined
  since is not reminded; an offer whose hold ran out is not sent);
- `label` and `verb`: how the dashboard and the errors name it.

Updates may reach a guest more than once: one row per guest, kind and `round` (the change
an update tells of; 0 for every other kind).

Adding a kind is a `MessageKind` member, a migration for the CHECK constraints (a test
compares them with the enums), a `Kind` in `KINDS`, and its tests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.models.enums import MessageKind, Rsvp


@dataclass(frozen=True)
class ClaimFacts:
    """What a claimed message is checked against again: the guest's answer, the options of
    its campaign, whether the event has started, and whether the guest wrote in the last
    24 hours (WhatsApp's window for free text)."""

    rsvp: str | None
    include_maybe: bool
    event_started: bool
    window_open: bool = True
    waitlisted: bool = False  # the guest waits for a seat (their yes found the event full)
    offer_open: bool = True  # an offer: it is still open and its hold has not run out
    include_unanswered: bool = False  # an update's option: guests who have not answered too
    event_canceled: bool = False
    checked_in: bool | None = None  # the after-event kinds: whether the guest came in
    pass_current: bool = True  # a pass: it is still the guest's valid pass


@dataclass(frozen=True)
class Kind:
    """What one kind of message is, who it goes to and how it is named (see the module)."""

    kind: MessageKind
    label: str
    verb: str
    template_setting: str | None  # None: never a template (the organiser's own words)
    audience: str | None = None
    # A kind chosen by answer alone: the answers it goes to ("maybe" too when the campaign
    # includes it), so its audience is counted from the event's tallies.
    answers: frozenset[str] | None = None
    free_text: bool = False
    text_in_window: bool = False
    until_start: bool = True
    after_start: bool = False
    watches: bool = False
    one_per_event: bool = False
    still_meant: Callable[[ClaimFacts], str | None] | None = None

    def withdrawal(self, facts: ClaimFacts) -> str | None:
        """Why a claimed message of this kind is no longer meant for its guest, if it is not.

        Nothing but an invitation, a reply or a cancellation goes once the event has
        started; nothing but a cancellation or a reply once it is canceled.
        """
        if facts.event_canceled and self.kind not in (MessageKind.CANCELLATION, MessageKind.REPLY):
            return "the event is canceled"
        if facts.event_started and self.until_start:
            return "the event has started"
        if self.after_start and not facts.event_started:
            return "the event has not started yet"
        return self.still_meant(facts) if self.still_meant else None


def _confirmed_still(facts: ClaimFacts) -> str | None:
    """A reminder: the guest still confirmed (or said maybe, when the reminder includes it),
    and has a seat (a waitlisted guest is not reminded)."""
    expected = {Rsvp.CONFIRMED.value} | ({Rsvp.MAYBE.value} if facts.include_maybe else set())
    if facts.rsvp not in expected:
        return f"the guest's answer is now {facts.rsvp or 'none'}"
    return "the guest is waitlisted" if facts.waitlisted else None


def _unanswered_still(facts: ClaimFacts) -> str | None:
    """A follow-up: the guest still has not answered."""
    return None if facts.rsvp is None else f"the guest answered {facts.rsvp}"


# A waitlisted guest (their yes found the event full) has no seat: not reminded.
SEATED = (
    " AND NOT EXISTS (SELECT 1 FROM guests AS w"
    " WHERE w.id = i.guest_id AND w.waitlisted_at IS NOT NULL)"
)

INVITATION = Kind(
    MessageKind.INVITATION,
    label="Invitation",
    verb="invite",
    template_setting="TWILIO_INVITE_CONTENT_SID",
    free_text=True,
    until_start=False,
)
REMINDER = Kind(
    MessageKind.REMINDER,
    label="Reminder",
    verb="remind",
    template_setting="TWILIO_REMINDER_CONTENT_SID",
    audience=(
        f"(i.rsvp = '{Rsvp.CONFIRMED}' OR (:include_maybe AND i.rsvp = '{Rsvp.MAYBE}'))" + SEATED
    ),
    answers=frozenset({Rsvp.CONFIRMED.value}),
    one_per_event=True,
    still_meant=_confirmed_still,
)
FOLLOWUP = Kind(
    MessageKind.FOLLOWUP,
    label="Follow-up",
    verb="follow up",
    template_setting="TWILIO_FOLLOWUP_CONTENT_SID",
    audience=(
        "(i.rsvp IS NULL AND i.send_state = :send_accepted"
        " AND i.delivered_at <= now() - make_interval(secs => :after_seconds))"
    ),
    watches=True,
    one_per_event=True,
    still_meant=_unanswered_still,
)


def _window_still_open(facts: ClaimFacts) -> str | None:
    """A reply: free text reaches a guest only within 24 hours of their last message."""
    return None if facts.window_open else "the guest's 24-hour window closed before it was sent"


# The organiser's own words to one guest (any number per guest), sent one at a time, never
# by a campaign.
REPLY = Kind(
    MessageKind.REPLY,
    label="Reply",
    verb="reply to",
    template_setting=None,
    free_text=True,
    until_start=False,
    still_meant=_window_still_open,
)


def _offer_still_open(facts: ClaimFacts) -> str | None:
    """An offer: its hold is open and the guest still waits for a seat."""
    if not facts.offer_open:
        return "the offer is no longer open (claimed, passed or its hold ran out)"
    return None if facts.waitlisted else "the guest is no longer waitlisted"


# A freed seat offered to a waitlisted guest, with Claim / Pass buttons, held for the
# event's `offer_hours` (`app.sending.waitlist` creates one per offer, never a campaign). The
# guest may be outside the 24-hour window: a template only.
OFFER = Kind(
    MessageKind.OFFER,
    label="Offer",
    verb="offer a seat to",
    template_setting="TWILIO_OFFER_CONTENT_SID",
    still_meant=_offer_still_open,
)


def _told_still(facts: ClaimFacts) -> str | None:
    """An update: the guest's answer is still one the update goes to."""
    expected = {Rsvp.CONFIRMED.value} | ({Rsvp.MAYBE.value} if facts.include_maybe else set())
    if facts.rsvp in expected or (facts.rsvp is None and facts.include_unanswered):
        return None
    return f"the guest's answer is now {facts.rsvp or 'none'}"


# The event's start, zone or venue changed: one message per change (`Campaign.round`, the
# event's `calendar_sequence` then) to the guests who confirmed (waitlisted ones too: they
# may yet get a seat), optionally maybe and unanswered ones. A template, or a plain body to
# a guest whose 24-hour window is open.
UPDATE = Kind(
    MessageKind.UPDATE,
    label="Update",
    verb="tell of the change",
    template_setting="TWILIO_UPDATE_CONTENT_SID",
    audience=(
        f"(i.rsvp = '{Rsvp.CONFIRMED}' OR (:include_maybe AND i.rsvp = '{Rsvp.MAYBE}')"
        " OR (:include_unanswered AND i.rsvp IS NULL AND i.send_state = :send_accepted))"
    ),
    text_in_window=True,
    still_meant=_told_still,
)
# The event is canceled: once to every guest whose invitation was sent, whatever they
# answered, even at the last minute.
CANCELLATION = Kind(
    MessageKind.CANCELLATION,
    label="Cancellation",
    verb="tell of the cancellation",
    template_setting="TWILIO_CANCELLATION_CONTENT_SID",
    audience="i.send_state = :send_accepted",
    text_in_window=True,
    until_start=False,
    one_per_event=True,
)

# After the event. A guest with a check-in came (even part of their party).
CHECKED_IN = "EXISTS (SELECT 1 FROM checkins AS k WHERE k.guest_id = i.guest_id)"


def _missed_still(facts: ClaimFacts) -> str | None:
    """A missed-you: the guest still confirmed, was seated, and never came in."""
    if facts.checked_in:
        return "the guest checked in"
    return _confirmed_still(facts)


# A thank-you to the guests who checked in, and a sorry-we-missed-you to the seated guests who
# confirmed and did not: once each, only once the event has started. Templates
# (`TWILIO_THANKS_CONTENT_SID(S)`, `TWILIO_MISSED_CONTENT_SID(S)`), else plain words inside
# the 24-hour window, as an update.
THANKS = Kind(
    MessageKind.THANKS,
    label="Thank-you",
    verb="thank",
    template_setting="TWILIO_THANKS_CONTENT_SID",
    audience=CHECKED_IN,
    text_in_window=True,
    until_start=False,
    after_start=True,
    one_per_event=True,
)
MISSED = Kind(
    MessageKind.MISSED,
    label="Missed-you",
    verb="tell we missed",
    template_setting="TWILIO_MISSED_CONTENT_SID",
    audience=f"i.rsvp = '{Rsvp.CONFIRMED}' AND NOT {CHECKED_IN}" + SEATED,
    text_in_window=True,
    until_start=False,
    after_start=True,
    one_per_event=True,
    still_meant=_missed_still,
)


def _pass_still_valid(facts: ClaimFacts) -> str | None:
    """A pass: it is still the guest's (a new party or a decline voided it since)."""
    return None if facts.pass_current else "the pass is void: the guest has a new one or none"


# The guest's pass (its image and code) sent by the engine, outside a reply: once per pass
# and change of the event (`app.sending.pass_sends`). Free-form media inside the 24-hour
# window, else the `pass` media template (`TWILIO_PASS_CONTENT_SID(S)`).
PASS = Kind(
    MessageKind.PASS,
    label="Pass",
    verb="send the pass to",
    template_setting="TWILIO_PASS_CONTENT_SID",
    text_in_window=True,
    still_meant=_pass_still_valid,
)

KINDS: dict[MessageKind, Kind] = {
    spec.kind: spec
    for spec in (
        INVITATION, REMINDER, FOLLOWUP, REPLY, OFFER, UPDATE, CANCELLATION, THANKS, MISSED, PASS
    )
}  # fmt: skip
# The kinds sent after the event has started.
AFTER_EVENT = tuple(spec.kind for spec in KINDS.values() if spec.after_start)
# The kinds that go with an invitation, to guests chosen by their answer to it.
FOLLOW_ONS = tuple(spec for spec in KINDS.values() if spec.audience is not None)
# The kinds whose campaigns keep running until their event starts.
WATCHING = tuple(spec.kind for spec in KINDS.values() if spec.watches)


def kind_of(value: str) -> Kind:
    """The declaration of a kind by its name; ValueError for an unknown one."""
    return KINDS[MessageKind(value)]


def sql_list(kinds: tuple[MessageKind, ...]) -> str:
    """Kinds as a SQL list of literals, for constant statements (never empty)."""
    return ", ".join(f"'{kind}'" for kind in kinds) or "NULL"
