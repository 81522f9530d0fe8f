"""The plain-text words of the notices: an event's change (`update`), its cancellation, and
after it, a thank-you (`thanks`) and a sorry-we-missed-you (`missed`).

Sent only when the kind has no template for the guest's language and the guest wrote in the
last 24 hours (WhatsApp's window; `app.sending.claims`). The templates
(`TWILIO_UPDATE_CONTENT_SID(S)`, `TWILIO_CANCELLATION_CONTENT_SID(S)`,
`TWILIO_THANKS_CONTENT_SID(S)`, `TWILIO_MISSED_CONTENT_SID(S)`) get the same
variables as the invitation's: `{{1}}` the guest, `{{2}}` the event, `{{3}}` its (new) start,
`{{4}}` its (new) venue, and `page_url`; an update's also get `changed`, what changed in the
guest's language (`change_words`).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from app.models.enums import MessageKind

# Per kind and language; `{details}` is the start and venue as the invitation words them.
NOTICES: Mapping[str, Mapping[str, str]] = MappingProxyType({
    MessageKind.UPDATE: {
        "en": "Hi {name}, {event} has changed. It is now{details}.",
        "es": "Hola {name}, {event} ha cambiado. Ahora es{details}.",
        "pt": "Olá {name}, {event} mudou. Agora é{details}.",
        "ar": "مرحبًا {name}، تغيّر {event}. الموعد الجديد{details}.",
        "fr": "Bonjour {name}, {event} a changé. C'est désormais{details}.",
    },
    MessageKind.CANCELLATION: {
        "en": "Hi {name}, we are sorry: {event}{details} is canceled.",
        "es": "Hola {name}, lo sentimos: {event}{details} se ha cancelado.",
        "pt": "Olá {name}, lamentamos: {event}{details} foi cancelado.",
        "ar": "مرحبًا {name}، نأسف لإبلاغك بإلغاء {event}{details}.",
        "fr": "Bonjour {name}, nous sommes désolés : {event}{details} est annulé.",
    },
    MessageKind.THANKS: {
        "en": "Hi {name}, thank you for coming to {event}! It was a pleasure to have you.",
        "es": "Hola {name}, ¡gracias por venir a {event}! Fue un placer tenerte con nosotros.",
        "pt": "Olá {name}, obrigado por vir a {event}! Foi um prazer ter você conosco.",
        "ar": "مرحبًا {name}، شكرًا لحضورك {event}! سعدنا بوجودك معنا.",
        "fr": "Bonjour {name}, merci d'être venu(e) à {event} !"
              " Ce fut un plaisir de vous accueillir.",
    },
    MessageKind.MISSED: {
        "en": "Hi {name}, we missed you at {event}. We hope to see you next time!",
        "es": "Hola {name}, te echamos de menos en {event}. ¡Esperamos verte la próxima vez!",
        "pt": "Olá {name}, sentimos sua falta em {event}. Esperamos ver você da próxima vez!",
        "ar": "مرحبًا {name}، افتقدناك في {event}. نأمل أن نراك في المرة القادمة!",
        "fr": "Bonjour {name}, vous nous avez manqué à {event}."
              " Nous espérons vous voir la prochaine fois !",
    },
})  # fmt: skip


def has_notice(kind: str) -> bool:
    """Whether a kind has plain-text words of its own here."""
    return kind in NOTICES


def notice_text(kind: str, language: str, name: str, event: str, details: str) -> str:
    """The notice of `kind` in the guest's language (English for one it lacks)."""
    texts = NOTICES[kind]
    return texts.get(language, texts["en"]).format(name=name, event=event, details=details)


# What an update tells changed, per language: its time, its venue, both, or (a change made
# before these were recorded) its details.
CHANGES: Mapping[str, Mapping[str, str]] = MappingProxyType({
    "en": {"time": "the time", "venue": "the venue", "both": "the time and the venue",
           "none": "the details"},
    "es": {"time": "la hora", "venue": "el lugar", "both": "la hora y el lugar",
           "none": "los detalles"},
    "pt": {"time": "o horário", "venue": "o local", "both": "o horário e o local",
           "none": "os detalhes"},
    "ar": {"time": "الموعد", "venue": "المكان", "both": "الموعد والمكان", "none": "التفاصيل"},
    "fr": {"time": "l'heure", "venue": "le lieu", "both": "l'heure et le lieu",
           "none": "les détails"},
})  # fmt: skip


def change_words(changes: tuple[str, ...], language: str) -> str:
    """What changed ("time", "venue"), as the guest's language says it."""
    words = CHANGES.get(language, CHANGES["en"])
    if {"time", "venue"} <= set(changes):
        return words["both"]
    return words[changes[0]] if changes and changes[0] in words else words["none"]


# A pass sent by the engine as free-form media (inside the 24-hour window), with its image.
PASS_WORDS: Mapping[str, str] = MappingProxyType({
    "en": "Hi {name}, your pass for {event}: {party}, {code}. Show it at the door.",
    "es": "Hola {name}, tu pase para {event}: {party}, {code}. Muéstralo en la entrada.",
    "pt": "Olá {name}, seu passe para {event}: {party}, {code}. Mostre-o na entrada.",
    "ar": "مرحبًا {name}، تذكرتك لـ {event}: {party}، {code}. أظهرها عند الدخول.",
    "fr": "Bonjour {name}, votre passe pour {event} : {party}, {code}. Montrez-le à l'entrée.",
})  # fmt: skip
PARTY: Mapping[str, tuple[str, str]] = MappingProxyType({
    "en": ("1 person", "{n} people"), "es": ("1 persona", "{n} personas"),
    "pt": ("1 pessoa", "{n} pessoas"), "ar": ("شخص واحد", "{n} أشخاص"),
    "fr": ("1 personne", "{n} personnes"),
})  # fmt: skip


def party_words(party: int, language: str) -> str:
    """ "3 people", in the guest's language."""
    one, many = PARTY.get(language, PARTY["en"])
    return one if party == 1 else many.format(n=party)


def shown_code(code: str) -> str:
    """A pass code as a person reads it: two groups of four ("K7QM-2XDP")."""
    return f"{code[:4]}-{code[4:]}"


def pass_text(language: str, name: str, event: str, party: int, code: str) -> str:
    """The words of a pass sent as free-form media, in the guest's language."""
    words = PASS_WORDS.get(language, PASS_WORDS["en"])
    return words.format(
        name=name, event=event, party=party_words(party, language), code=shown_code(code)
    )
