"""The data model: PostgreSQL holds the truth of every invitation."""

from app.models.base import Base
from app.models.checkin import CheckIn
from app.models.enums import (
    AttemptStatus,
    CampaignState,
    DeliveryStatus,
    InboundKind,
    MessageKind,
    OfferOutcome,
    QuestionKind,
    Rsvp,
    SendState,
)
from app.models.event import Event, Guest, OptOut
from app.models.invitation import Campaign, Invitation, MessageAttempt, Offer, RsvpResponse
from app.models.message import InboundMessage, StatusCallback
from app.models.question import Answer, Question
from app.models.tally import DATABASE_ONLY_INDEXES, GuestTally, InvitationTally
from app.models.user import User

__all__ = [
    "DATABASE_ONLY_INDEXES",
    "Answer",
    "AttemptStatus",
    "Base",
    "Campaign",
    "CampaignState",
    "CheckIn",
    "DeliveryStatus",
    "Event",
    "Guest",
    "GuestTally",
    "InboundKind",
    "InboundMessage",
    "Invitation",
    "InvitationTally",
    "MessageAttempt",
    "MessageKind",
    "Offer",
    "OfferOutcome",
    "OptOut",
    "Question",
    "QuestionKind",
    "Rsvp",
    "RsvpResponse",
    "SendState",
    "StatusCallback",
    "User",
]
