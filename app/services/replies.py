"""Read a guest's message as an RSVP, an opt-out or plain text, and word the confirmation."""

from __future__ import annotations

from dataclasses import dataclass, replace
from types import MappingProxyType

from app.config import LANGUAGES
from app.models.enums import InboundKind, Rsvp
from app.sending.languages import guest_language, phone_language
from app.services.heads import read_party
from app.services.keywords import VOCABULARY, Intent, match_keyword, normalize
from app.services.phrases import Role
from app.services.reply_model import opinion, weights
from app.services.sentences import has_question_mark, read_sentence

# The keywords live in `keywords`; these names are read from here too.
__all__ = ["VOCABULARY", "Intent", "Reading", "answer_language", "classify", "confirmation",
           "normalize", "phone_language"]  # fmt: skip

BUTTON_PAYLOADS = MappingProxyType({"yes": Intent.YES, "no": Intent.NO, "maybe": Intent.MAYBE})
RSVP_OF = MappingProxyType({Intent.YES: Rsvp.CONFIRMED, Intent.NO: Rsvp.DECLINED,
                            Intent.MAYBE: Rsvp.MAYBE})  # fmt: skip
KIND_OF = MappingProxyType({Intent.STOP: InboundKind.OPTOUT, Intent.START: InboundKind.OPTIN})
# The model's labels for the answers (`reply_model`).
ANSWER_OF = MappingProxyType({"yes": Intent.YES, "no": Intent.NO, "maybe": Intent.MAYBE})
LABEL_OF = MappingProxyType({Rsvp.CONFIRMED: "yes", Rsvp.DECLINED: "no", Rsvp.MAYBE: "maybe"})

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


def _pick_language(languages: tuple[str, ...], phone: str | None) -> str:
    """Choose among a keyword's languages, preferring the sender's country's."""
    preferred = phone_language(phone)
    return preferred if preferred in languages else languages[0]


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
        return _second_opinion(_read_sentence(body, phone), body or "", phone)
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


def _second_opinion(reading: Reading, body: str, phone: str | None) -> Reading:
    """Weigh the rules' reading of a typed sentence against the model's (`reply_model`).

    An answer the model finds unlikely, or likely a doubt, goes to the inbox (undecided);
    a sentence the rules find no answer in is answered when the model is sure. A doubt or
    question the rules found, and an opt-out, stay as they are.
    """
    # a message that only asks is never answered ("Are you there?")
    only_asks = reading.rsvp is None and has_question_mark(body)
    if reading.undecided or reading.kind not in (InboundKind.RSVP, InboundKind.TEXT) or only_asks:
        return reading
    view = opinion(body)
    if view is None:
        return reading
    levels = weights().thresholds
    if reading.rsvp is not None:
        mine = view.probabilities[LABEL_OF[reading.rsvp]]
        if mine < levels["disagree"] or view.probabilities["unclear"] >= levels["doubt"]:
            return Reading(InboundKind.TEXT, language=reading.language, undecided=True,
                           written_in=reading.written_in)  # fmt: skip
        return reading
    intent = ANSWER_OF.get(view.label)
    if intent is None or view.probability < levels["answer"]:
        return reading
    party = read_party(body, normalize) if intent is not Intent.NO else None
    answer = _reading(intent, _pick_language(LANGUAGES, phone), intent.value)
    return replace(answer, party=party.size if party else None)


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
