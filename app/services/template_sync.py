"""The worker's side of the organiser's templates: submit them and follow their approval.

Each sweep (`app.tasks.sending.run_sweep`) creates the templates saved as `submitting`
through the Content API, asks for WhatsApp's approval (category UTILITY: an event's
invitation, reminder or follow-up answers what the guest is invited to, which Meta counts
as utility, and so do a change, a cancellation, a thank-you, a missed-you and a seat
offer; Twilio lets Meta change the category rather than reject), and fetches the
status of those pending. Only the twilio client talks to Twilio (`client.content.v1`).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from requests import RequestException
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from twilio.rest.content.v1.content import ContentList
from twilio.rest.content.v1.content.approval_create import ApprovalCreateList

from app.config import Settings
from app.extensions import db
from app.models import MessageKind, MessageTemplate, TemplateStatus
from app.models.base import utcnow
from app.services import template_rules
from app.urls import media_url

log = logging.getLogger(__name__)

CATEGORY = "UTILITY"
DECIDED = {"approved": TemplateStatus.APPROVED, "rejected": TemplateStatus.REJECTED}
# Twilio refused the request itself: it will refuse it again (a 429 or 5xx is tried again).
PERMANENT = range(400, 429)


def content_client(settings: Settings, http: TwilioHttpClient) -> Client:
    """A twilio client whose Content API is `TWILIO_CONTENT_BASE_URL`."""
    twilio = settings.twilio
    client = Client(twilio.account_sid, twilio.auth_token, http_client=http)
    client.content.base_url = twilio.content_base_url
    return client


def sync_templates(settings: Settings) -> int:
    """Submit the saved templates and check the pending ones; return how many changed."""
    pending = db.session.scalars(
        db.select(MessageTemplate)
        .where(MessageTemplate.status.in_([TemplateStatus.SUBMITTING, TemplateStatus.PENDING]))
        .order_by(MessageTemplate.id)
    ).all()
    if not pending:
        return 0
    http = TwilioHttpClient(timeout=settings.twilio.request_timeout)
    client = content_client(settings, http)
    changed = 0
    try:
        for template in pending:
            changed += step(client, template, settings)
            db.session.commit()
    finally:
        db.session.rollback()
        if http.session is not None:
            http.session.close()
    return changed


def step(client: Client, template: MessageTemplate, settings: Settings) -> int:
    """Submit or check one template; return 1 when its status changed."""
    before = template.status
    try:
        if template.status is TemplateStatus.SUBMITTING:
            submit(client, template, settings)
        else:
            check(client, template)
    except TwilioRestException as error:
        if error.status == 409 and template.content_sid:  # our earlier request went through
            template.status = TemplateStatus.PENDING
            return 1
        if error.status not in PERMANENT:
            log.warning("template %s: Twilio answered %s, trying again", template.id, error.status)
            return 0
        template.status = TemplateStatus.FAILED
        template.rejection_reason = f"Twilio refused it ({error.code}): {error.msg}"
    except (TwilioException, RequestException) as error:
        log.warning("template %s: Twilio not reached (%s)", template.id, type(error).__name__)
        return 0
    return int(template.status is not before)


def submit(client: Client, template: MessageTemplate, settings: Settings) -> None:
    """Create the content at Twilio (once: a failed approval request is asked again for the
    same content) and ask for WhatsApp's approval."""
    numbered = numbering(template)
    if template.content_sid is None:
        template.content_sid = create(client, template, numbered, settings)
        template.variables = numbered.variables
        db.session.commit()  # kept even if the approval request fails below
    name = f"{template.kind}_{template.language}_{int(time.time())}"
    client.content.v1.contents(template.content_sid).approval_create.create(
        ApprovalCreateList.ContentApprovalRequest({"name": name, "category": CATEGORY})
    )
    template.status = TemplateStatus.PENDING
    template.submitted_at = template.checked_at = utcnow()
    log.info("template %s submitted as %s", template.id, template.content_sid)


def numbering(template: MessageTemplate) -> template_rules.Numbered:
    """The template's numbered text and variables (a pass's image path numbered last)."""
    numbered, _ = template_rules.number_chips(template.body, template.kind)
    if template.kind == MessageKind.PASS:
        numbered = template_rules.with_pass_path(numbered)
    return numbered


def create(
    client: Client,
    template: MessageTemplate,
    numbered: template_rules.Numbered,
    settings: Settings,
) -> str:
    """Create the content at Twilio; return its SID."""
    page = settings.public_base_url and f"{settings.public_base_url}/e/sample"
    created = client.content.v1.contents.create(
        ContentList.ContentCreateRequest(
            {
                "friendly_name": f"{template.kind}_{template.language}_{template.id}",
                "language": template.language,
                "variables": template_rules.samples(numbered, template.language, page),
                "types": content_types(template, numbered, settings),
            }
        )
    )
    return str(created.sid)


def content_types(
    template: MessageTemplate, numbered: template_rules.Numbered, settings: Settings
) -> dict[str, Any]:
    """The content's types: a pass's image (`twilio/media`, its path a variable), a card
    with the header image, else quick replies, else text."""
    text = numbered.text
    path = next(
        (n for n, name in numbered.variables.items() if name == template_rules.PASS_PATH), None
    )
    if path is not None and settings.public_base_url:
        media = [f"{settings.public_base_url}/e/{{{{{path}}}}}"]
        return {"twilio/media": {"body": text, "media": media}}
    actions = [{"type": "QUICK_REPLY", **button} for button in template.buttons]
    if template.image_token and settings.public_base_url:
        media = [media_url(settings.public_base_url, template.image_token)]
        return {"whatsapp/card": {"body": text, "media": media, "actions": actions}}
    if actions:
        return {"twilio/quick-reply": {"body": text, "actions": actions}}
    return {"twilio/text": {"body": text}}


def check(client: Client, template: MessageTemplate) -> None:
    """Fetch the approval status; on approval, the engine sends this content from now on."""
    fetched = client.content.v1.contents(template.content_sid).approval_fetch().fetch()
    whatsapp = fetched.whatsapp or {}
    template.checked_at = utcnow()
    decided = DECIDED.get(str(whatsapp.get("status")))
    if decided is None:
        return
    template.status = decided
    template.decided_at = utcnow()
    if decided is TemplateStatus.APPROVED:
        template.approved_sid = template.content_sid
        template.approved_variables = dict(template.variables)
    else:
        template.rejection_reason = str(whatsapp.get("rejection_reason") or "no reason given")
    log.info("template %s %s", template.id, decided.value)
