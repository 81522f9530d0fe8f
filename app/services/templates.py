"""The organiser's templates: one per kind of message and language, written in the dashboard.

Saving checks what Meta would refuse (`template_rules`, `template_images`) and marks the
template `submitting`; the worker's sweep creates it at Twilio, asks for WhatsApp's approval
and follows it (`template_sync`), never a web request. One wording per kind and language
serves every event: the event's details are variables, and each new wording waits for
Meta's review.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from flask import current_app
from flask_babel import gettext as _

from app.config import LANGUAGES
from app.extensions import db
from app.models import MessageKind, MessageTemplate, TemplateStatus
from app.models.base import utcnow
from app.services import template_rules
from app.services.template_images import ImageError, store_image

# A message shows one of these, so that after a crash the service recognises it at Twilio
# (`app.sending.reconcile` matches a listed message by the values it shows) before any resend.
RECOGNISED_BY = frozenset({"guest", "event", "when", "venue"})
# The kinds an organiser writes: every kind the engine sends as a template (outside the
# guest's 24-hour window); a reply is always the organiser's own words.
WRITABLE_KINDS = (
    MessageKind.INVITATION, MessageKind.REMINDER, MessageKind.FOLLOWUP, MessageKind.UPDATE,
    MessageKind.CANCELLATION, MessageKind.THANKS, MessageKind.MISSED, MessageKind.OFFER,
    MessageKind.PASS,
)  # fmt: skip
ANSWERS = ("yes", "no", "maybe")  # the quick replies' ids: the RSVP vocabulary
# The quick replies each kind may have, by the id the webhook reads (an RSVP's answer, an
# offer's claim or pass); a kind not listed is told, not asked: no buttons.
KIND_ANSWERS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    MessageKind.INVITATION: ANSWERS,
    MessageKind.REMINDER: ANSWERS,
    MessageKind.FOLLOWUP: ANSWERS,
    MessageKind.OFFER: ("claim", "pass"),
})  # fmt: skip
BUTTON_TITLES: Mapping[str, Mapping[str, str]] = MappingProxyType({
    "en": {"yes": "Yes", "no": "No", "maybe": "Maybe", "claim": "Claim", "pass": "Pass"},
    "es": {"yes": "Sí", "no": "No", "maybe": "Quizás", "claim": "La quiero", "pass": "Paso"},
    "pt": {"yes": "Sim", "no": "Não", "maybe": "Talvez", "claim": "Quero", "pass": "Passo"},
    "ar": {"yes": "نعم", "no": "لا", "maybe": "ربما", "claim": "أريده", "pass": "لا أريده"},
    "fr": {"yes": "Oui", "no": "Non", "maybe": "Peut-être", "claim": "Je la prends",
           "pass": "Je passe"},
})  # fmt: skip


class TemplateError(ValueError):
    """What keeps a template from being submitted, each problem in the organiser's words."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class Draft:
    """What the organiser submits for one kind and language."""

    kind: str
    language: str
    body: str
    buttons: tuple[tuple[str, str], ...]  # (id, title), in order
    image: bytes | None = None  # a new header image
    keep_image: bool = True  # keep the current one when no new one is given


def templates_of(kind: str) -> dict[str, MessageTemplate]:
    """The templates of one kind, by language."""
    rows = db.session.scalars(db.select(MessageTemplate).where(MessageTemplate.kind == kind))
    return {row.language: row for row in rows}


def template_of(kind: str, language: str) -> MessageTemplate | None:
    """The template of one kind and language, if written."""
    return templates_of(kind).get(language)


def check_kind(kind: str, language: str) -> None:
    """Raise LookupError for a kind or language the Messages page does not offer."""
    if kind not in WRITABLE_KINDS or language not in LANGUAGES:
        raise LookupError(f"no {kind} template in {language!r} to write")


def answers_of(kind: str) -> tuple[str, ...]:
    """The quick replies a kind of message may have (none: it tells, it does not ask)."""
    return KIND_ANSWERS.get(kind, ())


def problems_of(draft: Draft, has_image: bool) -> list[str]:
    """Everything Meta would refuse in this draft, and what this service cannot serve."""
    numbered, problems = template_rules.number_chips(draft.body, draft.kind)
    problems += template_rules.body_problems(numbered)
    unknown = sorted({answer for answer, _title in draft.buttons} - set(answers_of(draft.kind)))
    if unknown:
        problems.append(_("This message can't have a %(answer)s button.", answer=repr(unknown[0])))
    problems += template_rules.button_problems([title for _answer, title in draft.buttons])
    if draft.body.strip() and not RECOGNISED_BY & set(numbered.chips):
        problems.append(
            _(
                "Show the guest's name, the event, its date or its venue: the service recognises"
                " its messages by them and never sends one twice."
            )
        )
    public = current_app.config["SETTINGS"].public_base_url
    if not public and "page_url" in numbered.chips:
        problems.append(_("The guest page link needs PUBLIC_BASE_URL, which is not set."))
    if not public and has_image:
        problems.append(_("A header image needs PUBLIC_BASE_URL for WhatsApp to fetch it."))
    if draft.kind == MessageKind.PASS:
        if not public:
            problems.append(_("The pass's image needs PUBLIC_BASE_URL for WhatsApp to fetch it."))
        if has_image:
            problems.append(_("A pass shows the guest's pass as its image: it takes no other."))
    return problems


def save(draft: Draft) -> MessageTemplate:
    """Check a draft and keep it, to be submitted by the worker; raise TemplateError."""
    check_kind(draft.kind, draft.language)
    template = template_of(draft.kind, draft.language)
    keep = draft.keep_image and template is not None and template.image_token is not None
    problems = problems_of(draft, has_image=draft.image is not None or keep)
    token = None
    if draft.image is not None:
        try:
            token = store_image(draft.image)
        except ImageError as error:
            problems.append(str(error))
    if problems:
        db.session.rollback()
        raise TemplateError(problems)
    if template is None:
        template = MessageTemplate(kind=draft.kind, language=draft.language)
        db.session.add(template)
    template.body = draft.body.strip()
    template.buttons = [{"id": answer, "title": title.strip()} for answer, title in draft.buttons]
    template.image_token = token or (template.image_token if keep else None)
    template.status = TemplateStatus.SUBMITTING
    template.content_sid = None
    template.rejection_reason = None
    template.submitted_at = template.checked_at = template.decided_at = None
    template.updated_at = utcnow()
    db.session.commit()
    return template
