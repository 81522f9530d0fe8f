"""The words of a guest's page, in each language the service writes in."""

from __future__ import annotations

from types import MappingProxyType

TEXTS = MappingProxyType({
    "en": {
        "invited": "You are invited, {name}", "when": "When", "where": "Where",
        "map": "Open the map", "calendar": "Add to calendar", "answer": "Your answer",
        "yes": "Yes", "no": "No", "maybe": "Maybe", "none": "Not yet: reply on WhatsApp",
        "waitlisted": "On the waitlist", "party": "{n} people, you included",
        "alone": "Just you", "change": "To change it, write to us on WhatsApp.",
        "not_found": "This link does not open any invitation.",
        "pass": "Your pass", "pass_hint": "Show it at the door: its code lets your party in.",
        "canceled": "This event is canceled.",
    },
    "es": {
        "invited": "Estás invitado/a, {name}", "when": "Cuándo", "where": "Dónde",
        "map": "Abrir el mapa", "calendar": "Añadir al calendario", "answer": "Tu respuesta",
        "yes": "Sí", "no": "No", "maybe": "Quizás", "none": "Aún no: responde por WhatsApp",
        "waitlisted": "En lista de espera", "party": "{n} personas, contándote a ti",
        "alone": "Solo tú", "change": "Para cambiarla, escríbenos por WhatsApp.",
        "not_found": "Este enlace no abre ninguna invitación.",
        "pass": "Tu pase", "pass_hint": "Muéstralo en la entrada: su código deja pasar a tu grupo.",
        "canceled": "Este evento se ha cancelado.",
    },
    "pt": {
        "invited": "Você está convidado/a, {name}", "when": "Quando", "where": "Onde",
        "map": "Abrir o mapa", "calendar": "Adicionar à agenda", "answer": "Sua resposta",
        "yes": "Sim", "no": "Não", "maybe": "Talvez", "none": "Ainda não: responda pelo WhatsApp",
        "waitlisted": "Na lista de espera", "party": "{n} pessoas, contando com você",
        "alone": "Só você", "change": "Para mudar, escreva para nós no WhatsApp.",
        "not_found": "Este link não abre nenhum convite.",
        "pass": "Seu passe", "pass_hint": "Mostre-o na entrada: o código libera o seu grupo.",
        "canceled": "Este evento foi cancelado.",
    },
    "ar": {
        "invited": "أنت مدعو يا {name}", "when": "الموعد", "where": "المكان",
        "map": "افتح الخريطة", "calendar": "أضف إلى التقويم", "answer": "ردّك",
        "yes": "نعم", "no": "لا", "maybe": "ربما", "none": "لم ترد بعد: أرسل ردك عبر واتساب",
        "waitlisted": "على قائمة الانتظار", "party": "عدد الحضور: {n} بما فيهم أنت",
        "alone": "أنت وحدك", "change": "لتغييره، راسلنا على واتساب.",
        "not_found": "هذا الرابط لا يفتح أي دعوة.",
        "pass": "تذكرتك", "pass_hint": "أظهرها عند الدخول: رمزها يُدخل مجموعتك.",
        "canceled": "أُلغيت هذه المناسبة.",
    },
    "fr": {
        "invited": "Vous êtes invité(e), {name}", "when": "Quand", "where": "Où",
        "map": "Ouvrir la carte", "calendar": "Ajouter au calendrier", "answer": "Votre réponse",
        "yes": "Oui", "no": "Non", "maybe": "Peut-être",
        "none": "Pas encore : répondez sur WhatsApp", "waitlisted": "Sur liste d'attente",
        "party": "{n} personnes, vous compris", "alone": "Vous seul(e)",
        "change": "Pour la changer, écrivez-nous sur WhatsApp.",
        "not_found": "Ce lien n'ouvre aucune invitation.",
        "pass": "Votre passe",
        "pass_hint": "Montrez-le à l'entrée : son code fait entrer votre groupe.",
        "canceled": "Cet événement est annulé.",
    },
})  # fmt: skip
# The languages written right to left.
RIGHT_TO_LEFT = frozenset({"ar"})


def texts_for(language: str) -> dict[str, str]:
    """The page's words in `language`, English for one the service does not write in."""
    return TEXTS.get(language, TEXTS["en"])
