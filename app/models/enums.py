"""The states the service records, as `str` enums stored as plain strings.

Raw SQL names the states it uses as parameters, `:send_pending` (SendState),
`:campaign_running` (CampaignState), `:attempt_in_flight` (AttemptStatus),
`:kind_invitation` (MessageKind), and
`states_text` binds them to these values (a misspelt state stays unbound: the statement
fails at its first use, loudly).
"""

from __future__ import annotations

import re
from enum import StrEnum

import sqlalchemy as sa


class SendState(StrEnum):
    """Where an invitation is in our own sending pipeline."""

    PENDING = "pending"  # waiting to be claimed by a sender
    PAUSED = "paused"  # pending, but its campaign is paused: off the senders' due path
    SENDING = "sending"  # claimed; an attempt may be in flight at the provider
    ACCEPTED = "accepted"  # the provider returned a Message SID
    FAILED = "failed"  # permanent failure, with error code and reason
    CANCELED = "canceled"  # withdrawn before it was sent


class DeliveryStatus(StrEnum):
    """Twilio's message status, as reported by the API and status callbacks."""

    QUEUED = "queued"
    ACCEPTED = "accepted"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    CANCELED = "canceled"


class Rsvp(StrEnum):
    """A guest's answer."""

    CONFIRMED = "confirmed"
    DECLINED = "declined"
    MAYBE = "maybe"


class AttemptStatus(StrEnum):
    """The outcome of one request to the provider's Messages API."""

    IN_FLIGHT = "in_flight"  # recorded before the request; unknown outcome if it stays here
    ACCEPTED = "accepted"
    REJECTED = "rejected"  # the provider answered with an error
    LOST = "lost"  # reconciled: the provider never received it


class CampaignState(StrEnum):
    """The lifecycle of a bulk send."""

    SCHEDULED = "scheduled"  # starts at its `send_at` (the worker's sweep starts it)
    RUNNING = "running"
    PAUSED = "paused"
    CANCELED = "canceled"
    COMPLETED = "completed"


class MessageKind(StrEnum):
    """What a campaign sends, and what an invitations row is (`app.sending.kinds`)."""

    INVITATION = "invitation"  # the invitation itself, which the guest answers
    REMINDER = "reminder"  # before the event, to guests who confirmed (and maybe "maybe")
    FOLLOWUP = "followup"  # days after delivery, to guests who have not answered
    REPLY = "reply"  # words to one guest inside their 24-hour window (`Invitation.by_service`)
    OFFER = "offer"  # a freed seat offered to a waitlisted guest (`app.sending.waitlist`)
    UPDATE = "update"  # the event's start, zone or venue changed (one per change: `round`)
    CANCELLATION = "cancellation"  # the event is canceled, to every guest who was invited
    THANKS = "thanks"  # after the event, to the guests who checked in
    MISSED = "missed"  # after the event, to the seated guests who confirmed and did not come
    PASS = "pass"  # noqa: S105 - the guest's pass, sent by the engine (`app.sending.pass_sends`)


class OfferOutcome(StrEnum):
    """How an offer of a freed seat ended (open while none)."""

    CLAIMED = "claimed"
    PASSED = "passed"
    EXPIRED = "expired"


class InboundKind(StrEnum):
    """What an inbound guest message turned out to be."""

    RSVP = "rsvp"
    OPTOUT = "optout"
    OPTIN = "optin"
    TEXT = "text"
    ANSWER = "answer"  # the answer to a question the event asked (`app.services.question_flow`)


class QuestionKind(StrEnum):
    """How a guest answers an event's question."""

    TEXT = "text"  # in their own words
    CHOICE = "choice"  # one of the choices
    CHOICES = "choices"  # one or more of the choices


class UserRole(StrEnum):
    """What a dashboard user (and their API tokens) may do (`app.services.access`)."""

    OWNER = "owner"  # everything, users and settings included
    ORGANISER = "organiser"  # events, guests, messages, campaigns
    VIEWER = "viewer"  # reads everything, changes nothing
    DOOR = "door"  # the door's check-in pages only


def enum_column(enum: type[StrEnum]) -> sa.Enum:
    """A VARCHAR column type holding an enum's values, checked by the database."""
    return sa.Enum(
        enum,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
        name=enum.__name__.lower(),
    )


STATE_ENUMS: dict[str, type[StrEnum]] = {
    "send": SendState,
    "campaign": CampaignState,
    "attempt": AttemptStatus,
    "kind": MessageKind,
}
STATE_PARAMETER = re.compile(r"(?<![:\w]):(send|campaign|attempt|kind)_([a-z_]+)")


def states_text(sql: str) -> sa.TextClause:
    """`text(sql)` with its state parameters (`:send_pending`, ...) bound to their values.

    psycopg2 sends bound values inline, so PostgreSQL still sees `send_state = 'pending'` and
    matches the partial indexes written with it (`ix_invitations_due`, ...).
    """
    values = {
        f"{kind}_{name}": name
        for kind, name in STATE_PARAMETER.findall(sql)
        if name in {member.value for member in STATE_ENUMS[kind]}
    }
    return sa.text(sql).bindparams(**values)
