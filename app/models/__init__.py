"""The data model: PostgreSQL holds the truth of every invitation."""

from app.models.base import Base
from app.models.enums import (
    AttemptStatus,
    CampaignState,
    DeliveryStatus,
    InboundKind,
    Rsvp,
    SendState,
)
from app.models.event import Event, Guest, OptOut
from app.models.invitation import Campaign, Invitation, MessageAttempt, RsvpResponse
from app.models.message import InboundMessage, StatusCallback
from app.models.user import User

__all__ = [
    "AttemptStatus",
    "Base",
    "Campaign",
    "CampaignState",
    "DeliveryStatus",
    "Event",
    "Guest",
    "InboundKind",
    "InboundMessage",
    "Invitation",
    "MessageAttempt",
    "OptOut",
    "Rsvp",
    "RsvpResponse",
    "SendState",
    "StatusCallback",
    "User",
]
