"""What the service answers about heads, in the guest's language (en/es/pt/ar/fr): the party
noted, the question "how many of you?", the allowance when a party does not fit, and what a
change of mind changed."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from app.models import Rsvp

TEXTS = MappingProxyType({
    "en": {
        "party": "We've noted {n} people in all.",
        "ask": "How many of you are coming, yourself included?"
               " Reply with a number from 1 to {max}.",
        "noted": "Thanks, {name}! We've noted {n} people for {event}.",
        "noted_one": "Thanks, {name}! We've noted just you for {event}.",
        "refused": "Sorry, {name}: your invitation to {event} is for up to {max} people,"
                   " you included. Reply with a number from 1 to {max}.",
        "refused_alone": "Sorry, {name}: your invitation to {event} is for you alone.",
        "changed": "You changed your answer from \u201c{before}\u201d to \u201c{after}\u201d.",
        "party_changed": "Your party changed from {before} to {after}.",
        Rsvp.CONFIRMED: "yes", Rsvp.DECLINED: "no", Rsvp.MAYBE: "maybe",
    },
    "es": {
        "party": "Anotamos {n} personas en total.",
        "ask": "¿Cuántas personas vendrán, contándote a ti?"
               " Responde con un número del 1 al {max}.",
        "noted": "¡Gracias, {name}! Anotamos {n} personas para {event}.",
        "noted_one": "¡Gracias, {name}! Anotamos solo tu asistencia a {event}.",
        "refused": "Lo sentimos, {name}: tu invitación a {event} es para {max} personas como"
                   " máximo, contándote a ti. Responde con un número del 1 al {max}.",
        "refused_alone": "Lo sentimos, {name}: tu invitación a {event} es solo para ti.",
        "changed": "Cambiaste tu respuesta de «{before}» a «{after}».",
        "party_changed": "Tu grupo pasa de {before} a {after} personas.",
        Rsvp.CONFIRMED: "sí", Rsvp.DECLINED: "no", Rsvp.MAYBE: "quizás",
    },
    "pt": {
        "party": "Anotamos {n} pessoas no total.",
        "ask": "Quantas pessoas vêm, contando com você?"
               " Responda com um número de 1 a {max}.",
        "noted": "Obrigado, {name}! Anotamos {n} pessoas para {event}.",
        "noted_one": "Obrigado, {name}! Anotamos só você para {event}.",
        "refused": "Desculpe, {name}: seu convite para {event} é para até {max} pessoas,"
                   " contando com você. Responda com um número de 1 a {max}.",
        "refused_alone": "Desculpe, {name}: seu convite para {event} é só para você.",
        "changed": "Você mudou sua resposta de «{before}» para «{after}».",
        "party_changed": "Seu grupo passou de {before} para {after} pessoas.",
        Rsvp.CONFIRMED: "sim", Rsvp.DECLINED: "não", Rsvp.MAYBE: "talvez",
    },
    "ar": {
        "party": "سجّلنا عدد الحضور: {n}.",
        "ask": "كم عدد الحضور بما فيهم أنت؟ أرسل رقمًا من 1 إلى {max}.",
        "noted": "شكرًا {name}! سجّلنا عدد الحضور إلى {event}: {n}.",
        "noted_one": "شكرًا {name}! سجّلنا حضورك وحدك إلى {event}.",
        "refused": "عذرًا {name}: دعوتك إلى {event} تشمل {max} أشخاص كحد أقصى بما فيهم أنت."
                   " أرسل رقمًا من 1 إلى {max}.",
        "refused_alone": "عذرًا {name}: دعوتك إلى {event} لك وحدك.",
        "changed": "غيّرت ردّك من «{before}» إلى «{after}».",
        "party_changed": "تغيّر عدد الحضور من {before} إلى {after}.",
        Rsvp.CONFIRMED: "نعم", Rsvp.DECLINED: "لا", Rsvp.MAYBE: "ربما",
    },
    "fr": {
        "party": "Nous avons noté {n} personnes au total.",
        "ask": "Combien serez-vous, vous compris ? Répondez par un nombre de 1 à {max}.",
        "noted": "Merci, {name} ! Nous avons noté {n} personnes pour {event}.",
        "noted_one": "Merci, {name} ! Nous avons noté votre venue seul(e) à {event}.",
        "refused": "Désolé, {name} : votre invitation à {event} vaut pour {max} personnes au"
                   " plus, vous compris. Répondez par un nombre de 1 à {max}.",
        "refused_alone": "Désolé, {name} : votre invitation à {event} est pour vous seul(e).",
        "changed": "Vous avez changé votre réponse de « {before} » à « {after} ».",
        "party_changed": "Votre groupe passe de {before} à {after} personnes.",
        Rsvp.CONFIRMED: "oui", Rsvp.DECLINED: "non", Rsvp.MAYBE: "peut-être",
    },
})  # fmt: skip
COUNTED = (Rsvp.CONFIRMED, Rsvp.MAYBE)


@dataclass(frozen=True)
class Answered:
    """A guest's answer before and after a message, for the words that confirm it."""

    name: str
    event: str
    language: str
    allowance: int  # how many they may bring besides themself
    before: Rsvp | None
    after: Rsvp | None
    party_before: int | None  # NULL: not said
    party_after: int | None

    def party_changed(self) -> bool:
        """Whether a counted answer's party changed (the confirmation says so)."""
        changed = (self.party_before or 1) != (self.party_after or 1)
        return self.before in COUNTED and changed

    def confirmation_asks(self) -> bool:
        """Whether the confirmation asks how many are coming: a yes without a number from
        a guest who may bring others (and whose party did not just change)."""
        unsized = self.party_after is None and self.allowance > 0
        return unsized and self.after is Rsvp.CONFIRMED and not self.party_changed()


def _texts(language: str) -> dict[str, str]:
    """The language's texts, English for one the service does not write in."""
    return TEXTS.get(language, TEXTS["en"])


def refused(answered: Answered) -> str:
    """A party that does not fit: the allowance, and the numbers that would."""
    texts = _texts(answered.language)
    key = "refused" if answered.allowance else "refused_alone"
    return (
        texts[key]
        .format(name=answered.name, event=answered.event, max=1 + answered.allowance)
        .replace(" ,", ",")
    )


def noted(answered: Answered) -> str:
    """A bare count accepted from a guest who said yes: the party as it now stands."""
    texts = _texts(answered.language)
    size = answered.party_after or 1
    key = "noted" if size > 1 else "noted_one"
    return texts[key].format(name=answered.name, event=answered.event, n=size)


def how_many(answered: Answered) -> str | None:
    """The question "how many of you?" when the answer asks it (a yes that said no number
    from a guest who may bring others), else None."""
    if answered.confirmation_asks():
        return _texts(answered.language)["ask"].format(max=1 + answered.allowance)
    return None


def after_answer(answered: Answered, confirmation: str | None, ask: bool = True) -> str | None:
    """The confirmation of an answer with what changed (the answer, the party) and, for a
    yes that said no number from a guest who may bring others, how many are coming (unless
    `ask` is False: the question goes in a message of its own, with buttons)."""
    if confirmation is None:
        return None
    texts = _texts(answered.language)
    parts = [confirmation]
    changed = answered.before is not None and answered.before != answered.after
    if changed and answered.after is not None:
        before, after = texts[answered.before], texts[answered.after]  # type: ignore[index]
        parts.append(texts["changed"].format(before=before, after=after))
    if answered.after in COUNTED:
        parts.extend(_party_words(answered, texts, ask))
    return " ".join(parts)


def _party_words(answered: Answered, texts: dict[str, str], ask: bool = True) -> list[str]:
    """What to say of the party of a yes or a maybe."""
    size_before, size_after = answered.party_before or 1, answered.party_after or 1
    if answered.party_changed():
        return [texts["party_changed"].format(before=size_before, after=size_after)]
    if answered.confirmation_asks():
        return [texts["ask"].format(max=1 + answered.allowance)] if ask else []
    counted_before = answered.before in COUNTED
    if size_after > 1 and not (counted_before and answered.party_before == size_after):
        return [texts["party"].format(n=size_after)]
    return []
