"""What a guest is told about the waitlist and their offer, in their language."""

from __future__ import annotations

from types import MappingProxyType

from app.sending.offer_answers import Answer
from app.sending.waitlist import Seat, Seating

WORDS = MappingProxyType({
    "en": MappingProxyType({
        Seat.WAITLISTED: "Thank you! {event} is full, so you are on the waitlist (number "
                         "{position}). We will message you if a place frees up.",
        Seat.PARTY_REFUSED: "Your place at {event} is kept, but there is not room for more "
                            "people right now (free places: {free}).",
        Answer.CLAIMED: "Your place at {event} is confirmed. See you there!",
        Answer.PASSED: "Thank you for letting us know; the place goes to the next guest.",
        Answer.CLOSED: "Sorry, this offer is no longer open.",
        Answer.STARTED: "Sorry, {event} has already started: the place can no longer be "
                        "claimed.",
        Answer.NO_FIT: "Sorry, your party no longer fits in the free places of {event}.",
        Answer.NONE: "",
    }),
    "es": MappingProxyType({
        Seat.WAITLISTED: "¡Gracias! {event} está completo: estás en la lista de espera "
                         "(número {position}). Te escribiremos si se libera un lugar.",
        Seat.PARTY_REFUSED: "Tu lugar en {event} sigue reservado, pero ahora no hay sitio "
                            "para más personas (lugares libres: {free}).",
        Answer.CLAIMED: "Tu lugar en {event} está confirmado. ¡Nos vemos allí!",
        Answer.PASSED: "Gracias por avisar; el lugar pasa al siguiente invitado.",
        Answer.CLOSED: "Lo sentimos, esta oferta ya no está disponible.",
        Answer.STARTED: "Lo sentimos, {event} ya ha comenzado: el lugar ya no se puede "
                        "reclamar.",
        Answer.NO_FIT: "Lo sentimos, tu grupo ya no cabe en los lugares libres de {event}.",
        Answer.NONE: "",
    }),
    "pt": MappingProxyType({
        Seat.WAITLISTED: "Obrigado! {event} está lotado: você está na lista de espera "
                         "(número {position}). Avisaremos se uma vaga abrir.",
        Seat.PARTY_REFUSED: "Sua vaga em {event} continua garantida, mas agora não há lugar "
                            "para mais pessoas (vagas livres: {free}).",
        Answer.CLAIMED: "Sua vaga em {event} está confirmada. Até lá!",
        Answer.PASSED: "Obrigado por avisar; a vaga vai para o próximo convidado.",
        Answer.CLOSED: "Desculpe, esta oferta não está mais disponível.",
        Answer.STARTED: "Desculpe, {event} já começou: a vaga não pode mais ser aceita.",
        Answer.NO_FIT: "Desculpe, seu grupo não cabe mais nas vagas livres de {event}.",
        Answer.NONE: "",
    }),
    "ar": MappingProxyType({
        Seat.WAITLISTED: "شكرًا! {event} مكتمل، لذا أنت على قائمة الانتظار (رقم {position}). "
                         "سنراسلك إذا توفر مكان.",
        Seat.PARTY_REFUSED: "مكانك في {event} محفوظ، لكن لا يتسع الآن لأشخاص إضافيين "
                            "(الأماكن المتاحة: {free}).",
        Answer.CLAIMED: "تم تأكيد مكانك في {event}. نراك هناك!",
        Answer.PASSED: "شكرًا لإبلاغنا؛ سيذهب المكان إلى الضيف التالي.",
        Answer.CLOSED: "عذرًا، هذا العرض لم يعد متاحًا.",
        Answer.STARTED: "عذرًا، لقد بدأ {event}: لم يعد بالإمكان حجز المكان.",
        Answer.NO_FIT: "عذرًا، لم تعد مجموعتك تتسع في الأماكن المتاحة في {event}.",
        Answer.NONE: "",
    }),
    "fr": MappingProxyType({
        Seat.WAITLISTED: "Merci ! {event} est complet : vous êtes sur la liste d'attente "
                         "(numéro {position}). Nous vous écrirons si une place se libère.",
        Seat.PARTY_REFUSED: "Votre place à {event} est gardée, mais il n'y a pas de place "
                            "pour plus de personnes pour l'instant (places libres : {free}).",
        Answer.CLAIMED: "Votre place à {event} est confirmée. À bientôt !",
        Answer.PASSED: "Merci de nous avoir prévenus ; la place revient à l'invité suivant.",
        Answer.CLOSED: "Désolé, cette offre n'est plus disponible.",
        Answer.STARTED: "Désolé, {event} a déjà commencé : la place ne peut plus être "
                        "réservée.",
        Answer.NO_FIT: "Désolé, votre groupe ne tient plus dans les places libres de {event}.",
        Answer.NONE: "",
    }),
})  # fmt: skip


def seating(place: Seating, event: str, language: str) -> str | None:
    """What a guest is told of their place when it is not a plain seat, else None."""
    if place.seat not in (Seat.WAITLISTED, Seat.PARTY_REFUSED):
        return None
    words = WORDS.get(language, WORDS["en"])[place.seat]
    return words.format(event=event, position=place.position or 1, free=place.free)


def offer_answer(answer: Answer, event: str, language: str) -> str | None:
    """What a guest is told after tapping Claim or Pass (None: nothing)."""
    words = WORDS.get(language, WORDS["en"])[answer]
    return words.format(event=event) or None
