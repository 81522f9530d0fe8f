"""The data model: PostgreSQL holds the truth of every invitation."""

from app.models.approval import Approval, ApprovalState
from app.models.base import Base
from app.models.button_content import ButtonContent
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
    UserRole,
)
from app.models.event import Event, Guest, OptOut
from app.models.invitation import Campaign, Invitation, MessageAttempt, Offer, RsvpResponse
from app.models.message import InboundMessage, StatusCallback
from app.models.question import Answer, Question
from app.models.tally import DATABASE_ONLY_INDEXES, GuestTally, InvitationTally
from app.models.team import ApiToken, AuditEntry, Invite, RecoveryCode
from app.models.template import MessageTemplate, TemplateImage, TemplateStatus
from app.models.user import User

__all__ = [
    "DATABASE_ONLY_INDEXES",
    "Answer",
    "ApiToken",
    "Approval",
    "ApprovalState",
    "AttemptStatus",
    "AuditEntry",
    "Base",
    "ButtonContent",
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
    "Invite",
    "MessageAttempt",
    "MessageKind",
    "MessageTemplate",
    "Offer",
    "OfferOutcome",
    "OptOut",
    "Question",
    "QuestionKind",
    "RecoveryCode",
    "Rsvp",
    "RsvpResponse",
    "SendState",
    "StatusCallback",
    "TemplateImage",
    "TemplateStatus",
    "User",
    "UserRole",
]
