"""Read a guest's message as an RSVP, an opt-out or plain text, and word the confirmation."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from app.config import LANGUAGES
from app.models.enums import InboundKind, Rsvp
from app.sending.languages import guest_language, phone_language
from app.services.heads import read_party
from app.services.phrases import Role
from app.services.sentences import read_sentence


class Intent(StrEnum):
    """What a whole message asks for."""

    YES = "yes"
    NO = "no"
    MAYBE = "maybe"
    STOP = "stop"
    START = "start"


# Normalised forms (see `normalize`): lower case, no accents, tashkeel or punctuation.
# A word listed under several languages is answered in the one the sender's number suggests.
VOCABULARY: dict[Intent, dict[str, tuple[str, ...]]] = {
    Intent.YES: {
        "en": ("yes", "y", "yeah", "yea", "yep", "yup", "ok", "okay", "okey", "sure", "confirm",
               "confirmed", "i confirm", "attending", "i will attend", "i ll be there",
               "of course", "count me in", "yes i will attend", "k", "kk"),
        "es": ("si", "claro", "claro que si", "confirmo", "confirmado", "asistire", "si asistire",
               "si voy", "alli estare", "ahi estare", "ok", "confirmar asistencia", "va"),
        "pt": ("sim", "claro", "com certeza", "confirmo", "confirmado", "vou", "sim vou",
               "estarei la", "ok", "confirmar presenca", "presenca confirmada"),
        "ar": ("نعم", "اجل", "ايوه", "ايوا", "اكيد", "موافق", "تمام", "ساحضر", "نعم ساحضر", "ok"),
        "fr": ("oui", "ouais", "ok", "d accord", "bien sur", "oui bien sur", "avec plaisir",
               "je confirme", "confirme", "present", "presente", "je viens", "je viendrai",
               "j y serai", "volontiers", "absolument", "evidemment", "oui je viens",
               "ca marche", "carrement", "grave"),
    },
    Intent.NO: {
        "en": ("no", "n", "nope", "nah", "no thanks", "no thank you", "decline", "declined",
               "not attending", "can t make it", "cannot attend", "i can t", "not going"),
        "es": ("no", "no puedo", "no asistire", "no voy", "no gracias", "no podre", "paso",
               "paso gracias", "yo paso", "nop"),
        "pt": ("nao", "nao posso", "nao vou", "nao poderei", "infelizmente nao", "nao obrigado"),
        "ar": ("لا", "لا استطيع", "لن احضر", "اعتذر", "لا شكرا"),
        "fr": ("non", "non merci", "je ne peux pas", "je ne pourrai pas", "je ne viendrai pas",
               "pas possible", "impossible", "malheureusement non", "non desole",
               "non desolee"),
    },
    Intent.MAYBE: {  # a maybe said as the answer; doubts ("not sure") are read as sentences
        "en": ("maybe", "perhaps", "possibly", "tentative", "might"),
        "es": ("quizas", "quiza", "tal vez", "talvez", "a lo mejor", "puede ser"),
        "pt": ("talvez", "pode ser", "quem sabe"),
        "ar": ("ربما", "يمكن"),
        "fr": ("peut etre", "peutetre"),
    },
    Intent.STOP: {
        "en": ("stop", "stopall", "stop all", "unsubscribe", "cancel", "end", "quit", "optout",
               "opt out", "revoke"),
        "es": ("baja", "dar de baja", "darme de baja", "parar", "cancelar", "detener"),
        "pt": ("parar", "sair", "cancelar", "descadastrar", "pare"),
        "ar": ("الغاء", "الغاء الاشتراك", "توقف", "ايقاف"),
        "fr": ("arret", "arreter", "desabonner", "me desabonner", "se desabonner",
               "desinscrire", "me desinscrire", "desinscription", "desabonnement"),
    },
    Intent.START: {
        "en": ("start", "unstop", "subscribe", "resume", "optin", "opt in"),
        "es": ("alta", "dar de alta", "darme de alta", "reanudar", "comenzar"),
        "pt": ("voltar", "iniciar", "comecar", "reativar"),
        "ar": ("ابدا", "اشتراك", "تفعيل"),
        "fr": ("reprendre", "reactiver", "m abonner", "reabonner", "me reabonner"),
    },
}  # fmt: skip

BUTTON_PAYLOADS = MappingProxyType({"yes": Intent.YES, "no": Intent.NO, "maybe": Intent.MAYBE})
EMOJI = MappingProxyType({"\U0001f44d": Intent.YES, "\U0001f44e": Intent.NO})
RSVP_OF = MappingProxyType({Intent.YES: Rsvp.CONFIRMED, Intent.NO: Rsvp.DECLINED,
                            Intent.MAYBE: Rsvp.MAYBE})  # fmt: skip
KIND_OF = MappingProxyType({Intent.STOP: InboundKind.OPTOUT, Intent.START: InboundKind.OPTIN})

CONFIRMATIONS = MappingProxyType({
    "en": {Rsvp.CONFIRMED: "Thanks, {name}! You're confirmed for {event}.",
           Rsvp.DECLINED: "Thanks, {name}. Sorry you can't make it to {event}.",
           Rsvp.MAYBE: "Thanks, {name}. We've noted you as a maybe for {event}.",
           InboundKind.OPTOUT: "You won't receive more messages from us. Reply START to undo.",
           InboundKind.OPTIN: "You're subscribed again. Reply STOP to opt out."},
    "es": {Rsvp.CONFIRMED: "¡Gracias, {name}! Tu asistencia a {event} está confirmada.",
           Rsvp.DECLINED: "Gracias, {name}. Lamentamos que no puedas asistir a {event}.",
           Rsvp.MAYBE: "Gracias, {name}. Te anotamos como «quizás» para {event}.",
           InboundKind.OPTOUT: "No recibirás más mensajes nuestros. Responde ALTA para deshacerlo.",
           InboundKind.OPTIN: "Te suscribiste de nuevo. Responde BAJA para no recibir mensajes."},
    "pt": {Rsvp.CONFIRMED: "Obrigado, {name}! Sua presença em {event} está confirmada.",
           Rsvp.DECLINED: "Obrigado, {name}. Que pena que você não poderá ir a {event}.",
           Rsvp.MAYBE: "Obrigado, {name}. Anotamos um «talvez» para {event}.",
           InboundKind.OPTOUT: "Você não receberá mais mensagens. Responda VOLTAR para desfazer.",
           InboundKind.OPTIN: "Você voltou a receber mensagens. Responda PARAR para sair."},
    "ar": {Rsvp.CONFIRMED: "شكرًا {name}! تم تأكيد حضورك إلى {event}.",
           Rsvp.DECLINED: "شكرًا {name}. يؤسفنا أنك لن تتمكن من حضور {event}.",
           Rsvp.MAYBE: "شكرًا {name}. سجّلنا ردّك «ربما» على {event}.",
           InboundKind.OPTOUT: "لن تصلك رسائل أخرى منا. أرسل «ابدأ» للتراجع.",
           InboundKind.OPTIN: "تمت إعادة اشتراكك. أرسل «إلغاء» لإيقاف الرسائل."},
    "fr": {Rsvp.CONFIRMED: "Merci, {name} ! Votre présence à {event} est confirmée.",
           Rsvp.DECLINED: "Merci, {name}. Nous regrettons que vous ne puissiez pas venir"
                          " à {event}.",
           Rsvp.MAYBE: "Merci, {name}. Nous avons noté un « peut-être » pour {event}.",
           InboundKind.OPTOUT: "Vous ne recevrez plus de messages de notre part."
                               " Répondez REPRENDRE pour vous réabonner.",
           InboundKind.OPTIN: "Vous êtes de nouveau abonné(e)."
                              " Répondez STOP pour ne plus recevoir de messages."},
})  # fmt: skip

# Keywords are short: a longer message is text without looking at every character.
MAX_KEYWORD_CHARS = 64
# Alef maksura as yeh, teh marbuta as heh, and no tatweel: spellings people mix freely.
ARABIC_LETTER_VARIANTS = str.maketrans({"\u0649": "\u064a", "\u0629": "\u0647", "\u0640": None})
REPEATED_LETTERS = re.compile(r"(.)\1+")


@dataclass(frozen=True)
class Reading:
    """What a message means for the service, and the language to answer in."""

    kind: InboundKind
    rsvp: Rsvp | None = None
    language: str = "en"
    keyword: str | None = None
    # Plain text that reads like an answer the service could not decide.
    undecided: bool = False
    # The language the guest typed it in, when its words are one language's more than any
    # other's; None for a button (its title is our words, not the guest's) or shared words.
    written_in: str | None = None
    # How many are coming, the guest included, when the message says so (`heads`). On a
    # TEXT reading (a bare "3", "+1") it is a head count only for a guest who said yes.
    party: int | None = None


TEXT = Reading(InboundKind.TEXT)


def normalize(text: str, limit: int = MAX_KEYWORD_CHARS) -> str:
    """Fold case, accents, tashkeel, punctuation, emoji and spacing away, for matching."""
    if len(text) > limit:
        return ""
    characters = []
    for char in unicodedata.normalize("NFKD", text):
        category = unicodedata.category(char)
        if category in ("Mn", "Me", "Cf", "Sk"):
            continue  # accents, Arabic harakat and hamza marks, joiners, skin tones
        characters.append(" " if category[0] in "PSZC" else char)
    return " ".join("".join(characters).casefold().translate(ARABIC_LETTER_VARIANTS).split())


def _squeeze(text: str) -> str:
    """Collapse repeated letters, so that "siii" and "yesss" read as "si" and "yes"."""
    return REPEATED_LETTERS.sub(r"\1", text)


def _index() -> tuple[dict[str, tuple[Intent, tuple[str, ...]]], dict[str, str]]:
    """Map each normalised keyword to its intent and languages, and squeezed forms to it."""
    words: dict[str, tuple[Intent, tuple[str, ...]]] = {}
    for intent, languages in VOCABULARY.items():
        for language, phrases in languages.items():
            for phrase in phrases:
                known, langs = words.get(phrase, (intent, ()))
                if known is not intent:
                    raise ValueError(f"{phrase!r} is listed as both {known} and {intent}")
                words[phrase] = (intent, (*langs, language))
    squeezed = {_squeeze(phrase): phrase for phrase in words}
    return words, squeezed


_KEYWORDS, _SQUEEZED = _index()
KEYWORDS = MappingProxyType(_KEYWORDS)
SQUEEZED = MappingProxyType(_SQUEEZED)


def _pick_language(languages: tuple[str, ...], phone: str | None) -> str:
    """Choose among a keyword's languages, preferring the sender's country's."""
    preferred = phone_language(phone)
    return preferred if preferred in languages else languages[0]


def match_keyword(text: str | None) -> tuple[Intent, tuple[str, ...], str] | None:
    """Return (intent, languages, keyword) when the whole text is one known keyword."""
    if not text:
        return None
    normalized = normalize(text)
    keyword = normalized if normalized in KEYWORDS else SQUEEZED.get(_squeeze(normalized))
    if keyword is not None:
        intent, languages = KEYWORDS[keyword]
        return intent, languages, keyword
    symbols = "".join(c for c in text if not c.isspace() and c not in "\ufe0f\u200d")
    symbols = "".join(c for c in symbols if unicodedata.category(c) != "Sk")
    emoji_intent = EMOJI.get(symbols)
    return (emoji_intent, LANGUAGES, symbols) if emoji_intent else None


def _reading(intent: Intent, language: str, keyword: str, written_in: str | None = None) -> Reading:
    """Build the reading of a matched intent."""
    rsvp = RSVP_OF.get(intent)
    kind = InboundKind.RSVP if rsvp else KIND_OF[intent]
    return Reading(kind, rsvp, language, keyword[:50], written_in=written_in)


def classify(
    body: str | None,
    button_payload: str | None = None,
    button_text: str | None = None,
    phone: str | None = None,
) -> Reading:
    """Read a message: a quick-reply button first, else the typed words, else plain text."""
    button_intent = BUTTON_PAYLOADS.get((button_payload or "").strip().casefold())
    if button_intent is not None:
        titled = match_keyword(button_text)
        language = _pick_language(titled[1], phone) if titled else "en"
        return _reading(button_intent, language, button_intent.value)
    matched = match_keyword(body)
    if matched is None:
        return _read_sentence(body, phone)
    intent, languages, keyword = matched
    written_in = languages[0] if len(languages) == 1 else None
    return _reading(intent, _pick_language(languages, phone), keyword, written_in)


def _read_sentence(body: str | None, phone: str | None) -> Reading:
    """Read the answer inside a longer message; undecided when it says both or asks."""
    sentence = read_sentence(body or "", normalize)
    if sentence is None:
        return _read_count(body, phone)
    language = _pick_language(sentence.languages, phone)
    if sentence.role is Role.UNCLEAR:
        return Reading(
            InboundKind.TEXT, language=language, undecided=True, written_in=sentence.written_in
        )
    if sentence.role is Role.STOP:  # "please stop sending me messages": an opt-out
        keyword = (sentence.keyword or Intent.STOP.value)[:50]
        return Reading(InboundKind.OPTOUT, None, language, keyword, written_in=sentence.written_in)
    intent = Intent(sentence.role.value)
    rsvp = RSVP_OF[intent]
    party = read_party(body or "", normalize) if intent is not Intent.NO else None
    return Reading(
        InboundKind.RSVP,
        rsvp,
        language,
        intent.value,
        written_in=sentence.written_in,
        party=party.size if party else None,
    )


def _read_count(body: str | None, phone: str | None) -> Reading:
    """A message with no answer words: a head count ("seremos tres" is also a yes; a bare
    "3" or "+1" counts only for a guest who said yes), else plain text."""
    party = read_party(body or "", normalize)
    if party is None:
        return TEXT
    language = _pick_language(LANGUAGES, phone)
    if party.implies_yes:
        return Reading(InboundKind.RSVP, Rsvp.CONFIRMED, language, "yes", party=party.size)
    return Reading(InboundKind.TEXT, language=language, party=party.size)


def answer_language(
    reading: Reading, stored: str | None, phone: str | None, follow_replies: bool = False
) -> str:
    """The language to answer a known guest in: theirs (stored, else their phone's
    country's), or the one they typed in when their event lets replies change it."""
    if follow_replies and reading.written_in:
        return reading.written_in
    return guest_language(stored, phone)


def confirmation(
    reading: Reading,
    guest_name: str | None = None,
    event_name: str | None = None,
    language: str | None = None,
) -> str | None:
    """The short answer to send back, in `language` (the guest's), else the reading's, or
    None to say nothing."""
    texts = CONFIRMATIONS.get(language or reading.language, CONFIRMATIONS["en"])
    key: Rsvp | InboundKind = reading.rsvp or reading.kind
    template = texts.get(key)
    if template is None or (reading.rsvp is not None and event_name is None):
        return None
    return template.format(name=(guest_name or "").strip() or "", event=event_name or "")
