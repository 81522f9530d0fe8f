"""Build the Messages API parameters of one invitation, reminder or follow-up.

Template variables (`ContentVariables`, a JSON object of strings), for a quick-reply
template such as "Hi {{1}}, you are invited to {{2}} on {{3}} at {{4}}":

- `"1"`: the guest's name
- `"2"`: the event's name
- `"3"`: the event's start in the event's own time zone, with the zone's name, formatted
  for the guest's language by Babel (CLDR), e.g. `Wed, Jun 23, 2027, 7:30 PM · Portugal
  (Lisbon) Time`, when the event has one
- `"4"`: the venue, when the event has one

then every extra column imported with the guest (`Guest.variables`), under its own name, and
`page_url`, the guest's own page (`/e/<token>`: details, map, calendar), when the service
has a public URL (`PUBLIC_BASE_URL`); the plain-text invitation then ends with that link.
An update also has `changed` (what changed: "the time and the venue", in the guest's
language), an offer `hold_until` (when its hold runs out, formatted as the start), a pass
`party` ("3 people"), `code` ("K7QM-2XDP") and `pass_path` (the image's unguessable path
under `<PUBLIC_BASE_URL>/e/`, for the media URL of the `pass` template). A pass inside the
guest's 24-hour window goes as free-form media instead: its words and `MediaUrl`.
Each guest language may have its own template (`TWILIO_INVITE_CONTENT_SIDS`); the
plain-text fallback is written in the guest's language (en, es, pt, ar, fr). Reminders and
follow-ups, which reach guests outside WhatsApp's 24-hour window, are templates only
(`TWILIO_REMINDER_CONTENT_SID(S)`, `TWILIO_FOLLOWUP_CONTENT_SID(S)`, with the same
variables): free text there fails with 63016, so there is no plain-text fallback.
The numbered keys win over a guest column of the same name. Variables the event does not
have are left out, so the template's own default sample values apply.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType
from typing import Any

from babel import Locale
from babel.dates import format_skeleton, format_time, get_timezone_location

from app.config import ContentTemplates, Settings, zone_or_utc
from app.models.enums import MessageKind
from app.sending.approved import Approved
from app.sending.kinds import kind_of
from app.sending.notices import (
    change_words,
    has_notice,
    notice_text,
    party_words,
    pass_text,
    shown_code,
)

WHATSAPP = "whatsapp:"
# The template variables every invitation fills from its guest and event (see above).
NUMBERED_VARIABLES = ("1", "2", "3", "4")
# The plain-text invitation of each language; answers in any of them are understood.
BODIES: Mapping[str, Mapping[str, str]] = MappingProxyType({
    "en": {"body": "Hi {name}, you are invited to {event}{details}. "
                   "Will you come? Reply YES, NO or MAYBE.",
           "when": " on {when}", "where": " at {venue}", "page": "Details and calendar: {url}"},
    "es": {"body": "Hola {name}, estás invitado/a a {event}{details}. "
                   "¿Vendrás? Responde SÍ, NO o QUIZÁS.",
           "when": " el {when}", "where": " en {venue}", "page": "Detalles y calendario: {url}"},
    "pt": {"body": "Olá {name}, você está convidado/a para {event}{details}. "
                   "Você vem? Responda SIM, NÃO ou TALVEZ.",
           "when": " em {when}", "where": " no local {venue}", "page": "Detalhes e agenda: {url}"},
    "ar": {"body": "مرحبًا {name}، يسعدنا دعوتك إلى {event}{details}. "
                   "هل ستحضر؟ أجب بـ نعم أو لا أو ربما.",
           "when": " يوم {when}", "where": " في {venue}", "page": "التفاصيل والتقويم: {url}"},
    "fr": {"body": "Bonjour {name}, vous êtes invité(e) à {event}{details}. "
                   "Viendrez-vous ? Répondez OUI, NON ou PEUT-ÊTRE.",
           "when": " le {when}", "where": " à {venue}",
           "page": "Détails et calendrier : {url}"},
})  # fmt: skip
# CLDR skeleton of the date: weekday, day, abbreviated month, year, in the locale's order.
DATE_SKELETON = "yMMMEd"


class MissingTemplate(ValueError):
    """A message without free text (a reminder, a follow-up) and without an approved
    template: it must not be sent."""


@dataclass(frozen=True)
class MessageDefaults:
    """What every message shares: sender, templates, callback URL and validity period."""

    whatsapp_from: str | None
    messaging_service_sid: str | None
    status_callback: str | None
    validity_period: int
    # The approved templates of each kind, by its setting (`Kind.template_setting`).
    content_templates: Mapping[str, ContentTemplates] = field(default_factory=dict)
    # Where guests' own pages are (`<PUBLIC_BASE_URL>/e/`); None: no public URL, no link.
    page_base: str | None = None
    # Templates written in the dashboard number their own variables: content SID ->
    # placeholder -> the engine's variable ("1".."4", "page_url"); `app.sending.approved`.
    variable_maps: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @classmethod
    def from_settings(
        cls, settings: Settings, status_callback: str | None, validity_period: int
    ) -> MessageDefaults:
        """Take the sender and templates from the app's Twilio settings."""
        twilio = settings.twilio
        sender = twilio.whatsapp_from
        if sender and not sender.startswith(WHATSAPP):
            sender = WHATSAPP + sender
        return cls(
            whatsapp_from=sender,
            messaging_service_sid=twilio.messaging_service_sid,
            status_callback=status_callback,
            validity_period=validity_period,
            content_templates=dict(twilio.content_templates),
            page_base=f"{settings.public_base_url}/e/" if settings.public_base_url else None,
        )

    def with_approved(self, approved: Approved) -> MessageDefaults:
        """These defaults with the dashboard's approved templates (the environment wins)."""
        return replace(
            self,
            content_templates=approved.merged(self.content_templates),
            variable_maps={**self.variable_maps, **approved.variables},
        )

    def templates(self, kind: str = MessageKind.INVITATION) -> ContentTemplates:
        """The templates of one kind of message."""
        setting = kind_of(kind).template_setting
        return self.content_templates.get(setting or "", ContentTemplates())

    def template_for(self, language: str, kind: str = MessageKind.INVITATION) -> str | None:
        """The template of the guest's language for this kind, else the kind's default."""
        return self.templates(kind).for_language(language)

    @property
    def sender(self) -> str:
        """The sender's identity: the Messaging Service when set, else the `From` address."""
        return self.messaging_service_sid or self.whatsapp_from or ""


@dataclass(frozen=True)
class PassSent:
    """What a pass message carries: the pass, the guest's party, and whether the guest's
    24-hour window was open at its claim (free-form media, else the template)."""

    code: str
    party: int
    in_window: bool

    def image_path(self, page_token: str | None) -> str:
        """The image's path under `/e/` (`<page token>/pass/<code>.png`)."""
        return f"{page_token}/pass/{self.code}.png"


@dataclass(frozen=True)
class Invitee:
    """The guest and event fields a message is built from, and which message it is."""

    name: str
    phone: str
    event_name: str
    starts_at: datetime | None = None
    venue: str | None = None
    variables: Mapping[str, Any] | None = None
    time_zone: str = "UTC"
    language: str = "en"
    kind: str = MessageKind.INVITATION
    body: str | None = None  # the organiser's own words (a reply): sent as they are
    page_token: str | None = None  # the guest's own page (`/e/<token>`)
    changes: tuple[str, ...] | None = None  # an update's: what changed ("time", "venue")
    hold_until: datetime | None = None  # an offer's: when its hold runs out
    pass_sent: PassSent | None = None  # a pass's: the pass it carries
    # A reply with buttons (`app.services.buttons`): its content, and the content's SID once
    # created; without one (or once it failed) the reply goes as its `body`, the text question.
    content_key: str | None = None
    content_sid: str | None = None

    def page_url(self, page_base: str | None) -> str | None:
        """The guest's own page under `page_base`, or None without one of the two."""
        return f"{page_base}{self.page_token}" if page_base and self.page_token else None


def whatsapp_address(phone: str) -> str:
    """`whatsapp:+E164` for a stored E.164 number."""
    return phone if phone.startswith(WHATSAPP) else WHATSAPP + phone


def format_start(
    starts_at: datetime | None, time_zone: str = "UTC", language: str = "en"
) -> str | None:
    """The event's start as a person reads it, in the event's zone and with its name, or None.

    Formatted from Babel's CLDR data for `language` (en, es, pt, ar, ...): the locale's own
    order of weekday, day, month and year, its 12- or 24-hour clock, and the zone's name
    ("Portugal (Lisbon) Time", "hora de España (Madrid)"). An unknown zone reads as UTC.
    """
    if starts_at is None:
        return None
    zone = zone_or_utc(time_zone)
    locale = Locale.parse(language if language in Locale("en").languages else "en")
    date = format_skeleton(DATE_SKELETON, starts_at, tzinfo=zone, locale=locale)
    time = format_time(starts_at, "short", tzinfo=zone, locale=locale)
    when = str(locale.datetime_formats["medium"]).format(time, date)
    name = "UTC" if zone.key == "UTC" else get_timezone_location(zone, locale=locale)
    return f"{when} · {name}"


def content_variables(invitee: Invitee, page_base: str | None = None) -> dict[str, str]:
    """The template variables of one invitation (see the module docstring for the numbering),
    and `page_url`, the guest's own page, when the service has a public URL."""
    values = {str(key): str(value) for key, value in (invitee.variables or {}).items()}
    numbered = {
        "1": invitee.name,
        "2": invitee.event_name,
        "3": format_start(invitee.starts_at, invitee.time_zone, invitee.language),
        "4": invitee.venue,
    }
    values.update({key: value for key, value in numbered.items() if value})
    if invitee.changes is not None:
        values["changed"] = change_words(invitee.changes, invitee.language)
    hold_until = format_start(invitee.hold_until, invitee.time_zone, invitee.language)
    if hold_until:
        values["hold_until"] = hold_until
    held = invitee.pass_sent
    if held is not None:
        values["party"] = party_words(held.party, invitee.language)
        values["code"] = shown_code(held.code)
        values["pass_path"] = held.image_path(invitee.page_token)
    page = invitee.page_url(page_base)
    if page:
        values["page_url"] = page
    return values


def numbered_variables(values: Mapping[str, str], mapping: Mapping[str, str]) -> dict[str, str]:
    """A dashboard template's variables: each placeholder with its engine value ("-" for a
    value the event lacks, such as a venue: WhatsApp refuses an empty one)."""
    return {placeholder: values.get(name) or "-" for placeholder, name in mapping.items()}


def invitation_body(invitee: Invitee, page_base: str | None = None) -> str:
    """The plain-text invitation (or notice: `app.sending.notices`) in the guest's language,
    used when no template applies, with the guest's own page (details and calendar) when the
    service has a public URL."""
    texts = BODIES.get(invitee.language, BODIES["en"])
    when = format_start(invitee.starts_at, invitee.time_zone, invitee.language)
    details = (texts["when"].format(when=when) if when else "") + (
        texts["where"].format(venue=invitee.venue) if invitee.venue else ""
    )
    if has_notice(invitee.kind):
        body = notice_text(
            invitee.kind, invitee.language, invitee.name, invitee.event_name, details
        )
    else:
        body = texts["body"].format(name=invitee.name, event=invitee.event_name, details=details)
    page = invitee.page_url(page_base)
    return f"{body}\n{texts['page'].format(url=page)}" if page else body


def build_params(defaults: MessageDefaults, invitee: Invitee) -> dict[str, str]:
    """The form of `POST /Messages.json` for one invitation, reminder or follow-up.

    Raises:
        MissingTemplate: a reminder or follow-up in a language with no template.
    """
    params = {"To": whatsapp_address(invitee.phone)}
    if defaults.messaging_service_sid:
        params["MessagingServiceSid"] = defaults.messaging_service_sid
    elif defaults.whatsapp_from:
        params["From"] = defaults.whatsapp_from
    template = defaults.template_for(invitee.language, invitee.kind)
    held = invitee.pass_sent
    if invitee.content_key and invitee.content_sid:  # a session message with buttons
        params["ContentSid"] = invitee.content_sid
    elif held is not None and held.in_window and defaults.page_base:
        params["Body"] = pass_text(
            invitee.language, invitee.name, invitee.event_name, held.party, held.code
        )
        params["MediaUrl"] = defaults.page_base + held.image_path(invitee.page_token)
    elif template:
        params["ContentSid"] = template
        variables = content_variables(invitee, defaults.page_base)
        mapping = defaults.variable_maps.get(template)
        if mapping is not None:
            variables = numbered_variables(variables, mapping)
        params["ContentVariables"] = json.dumps(variables, ensure_ascii=False)
    elif invitee.body is not None:
        params["Body"] = invitee.body
    elif kind_of(invitee.kind).free_text or kind_of(invitee.kind).text_in_window:
        # An update's plain body is claimed only for a guest whose window is open (`claims`).
        params["Body"] = invitation_body(invitee, defaults.page_base)
    else:
        raise MissingTemplate(f"no approved {invitee.kind} template for {invitee.language!r}")
    if defaults.status_callback:
        params["StatusCallback"] = defaults.status_callback
    params["ValidityPeriod"] = str(defaults.validity_period)
    return params
