"""The RSVP and opt-out vocabulary: normalisation, whole-message matching, reply language."""

from __future__ import annotations

import pytest

from app.config import LANGUAGES
from app.models import InboundKind, Rsvp
from app.services.keywords import KEYWORDS, VOCABULARY, Intent, _squeeze
from app.services.replies import (
    CONFIRMATIONS,
    Reading,
    answer_language,
    classify,
    confirmation,
    normalize,
    phone_language,
)


def test_every_keyword_is_written_in_normal_form() -> None:
    for languages in VOCABULARY.values():
        for phrases in languages.values():
            for phrase in phrases:
                assert normalize(phrase) == phrase, phrase


def test_squeezed_forms_do_not_collide_across_intents() -> None:
    seen: dict[str, Intent] = {}
    for phrase, (intent, _) in KEYWORDS.items():
        squeezed = _squeeze(phrase)
        assert seen.setdefault(squeezed, intent) is intent, phrase


def test_every_language_has_every_intent_and_text() -> None:
    for languages in VOCABULARY.values():
        assert set(languages) == set(LANGUAGES)
    assert set(CONFIRMATIONS) == set(LANGUAGES)
    for texts in CONFIRMATIONS.values():
        assert set(texts) == {*Rsvp, InboundKind.OPTOUT, InboundKind.OPTIN}


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("  YES!!! ", "yes"),
        ("Sí.", "si"),
        ("¿Quizás?", "quizas"),
        ("NÃO", "nao"),
        ("نَعَم", "نعم"),
        ("إلغاء", "الغاء"),
        ("لـــا", "لا"),
        ("ok 👍🏽", "ok"),
        ("I\u2019ll be there", "i ll be there"),
        ("x" * 65, ""),
    ],
)
def test_normalize(raw: str, normal: str) -> None:
    assert normalize(raw) == normal


@pytest.mark.parametrize(
    ("body", "rsvp", "language"),
    [
        ("yesss", Rsvp.CONFIRMED, "en"),
        ("siiii", Rsvp.CONFIRMED, "es"),
        ("Simmm!", Rsvp.CONFIRMED, "pt"),
        ("noooo", Rsvp.DECLINED, "en"),
        ("👍", Rsvp.CONFIRMED, "en"),
        ("👎🏻", Rsvp.DECLINED, "en"),
        ("Quem sabe", Rsvp.MAYBE, "pt"),
        ("quizás", Rsvp.MAYBE, "es"),
        ("ربما", Rsvp.MAYBE, "ar"),
        ("لا شكرًا", Rsvp.DECLINED, "ar"),
        ("Ouiii", Rsvp.CONFIRMED, "fr"),
        ("Non merci !", Rsvp.DECLINED, "fr"),
        ("Peut-être", Rsvp.MAYBE, "fr"),
    ],
)
def test_typed_answers(body: str, rsvp: Rsvp, language: str) -> None:
    reading = classify(body, phone="+14155550100")
    assert (reading.kind, reading.rsvp, reading.language) == (InboundKind.RSVP, rsvp, language)


@pytest.mark.parametrize(
    "body",
    [
        "no idea what this is",
        "can you send the address",
        "stop sending me the wrong date",
        "Thanks! " * 60 + "yes",
        "",
        None,
    ],
)
def test_sentences_stay_text(body: str | None) -> None:
    assert classify(body) == Reading(InboundKind.TEXT)


@pytest.mark.parametrize(
    "body", ["kkkkkk", "jajaja", "hahaha", "rsrsrs", "\u0647\u0647\u0647\u0647", "mdr"]
)
def test_laughter_is_not_an_answer(body: str) -> None:
    assert classify(body) == Reading(InboundKind.TEXT)


@pytest.mark.parametrize(
    ("body", "rsvp"),
    [
        ("Não vou faltar de jeito nenhum", Rsvp.CONFIRMED),  # a refusal to miss it
        ("Não faltaria por nada deste mundo", Rsvp.CONFIRMED),
        ("claro que sí, no faltaré", Rsvp.CONFIRMED),
        ("ni loco me lo pierdo", Rsvp.CONFIRMED),
        ("Je ne vais pas rater ça", Rsvp.CONFIRMED),
        ("مش هغيب", Rsvp.CONFIRMED),
        ("I won't miss it for the world", Rsvp.CONFIRMED),
        ("I can't miss work that day", Rsvp.DECLINED),  # ability refuses something else
        ("No hay forma de que falte, ahí estaré", Rsvp.CONFIRMED),
        ("Impossível faltar, conta comigo", Rsvp.CONFIRMED),
        ("Je peux pas manquer ton mariage voyons", Rsvp.CONFIRMED),
        ("No hay forma de que falte al trabajo ese día", Rsvp.DECLINED),  # work is not it
        ("Não há hipótese de faltar ao trabalho nesse sábado", Rsvp.DECLINED),
        ("I won't miss work that day, sorry", Rsvp.DECLINED),
        ("vou faltar, desculpa", Rsvp.DECLINED),
        ("Just me, my husband can't come", Rsvp.CONFIRMED),  # someone else's no
        ("بس أنا، زوجي ما رح يقدر", Rsvp.CONFIRMED),
        ("My wife and I can't come", Rsvp.DECLINED),  # the guest among them
        ("wish I could 😢", Rsvp.DECLINED),  # a regret in the conditional
        ("J'aurais adoré venir", Rsvp.DECLINED),
        ("vou sim, não se preocupa", Rsvp.CONFIRMED),  # a reassurance decides nothing
        ("Desta vez não contem comigo", Rsvp.DECLINED),
    ],
)
def test_idioms_whose_words_point_the_other_way(body: str, rsvp: Rsvp) -> None:
    assert classify(body).rsvp is rsvp


@pytest.mark.parametrize(
    ("body", "rsvp", "party"),
    [
        ("we'll be 3, is there parking nearby?", Rsvp.CONFIRMED, 3),  # a question after
        ("Vamos sim. Precisa levar alguma coisa?", Rsvp.CONFIRMED, None),
        ("2 of us, is that ok?", None, None),  # asks about what it states
        ("Can I bring 2, or is it just me?", None, None),
    ],
)
def test_an_answer_before_a_question_stands(
    body: str, rsvp: Rsvp | None, party: int | None
) -> None:
    reading = classify(body)
    assert (reading.rsvp, reading.party) == (rsvp, party)


@pytest.mark.parametrize(
    ("body", "rsvp"),
    [
        ("yes but I'll be late", Rsvp.CONFIRMED),
        ("👍👍 great", Rsvp.CONFIRMED),
        ("sí, con mi esposa", Rsvp.CONFIRMED),
        ("No problem, I'll be there", Rsvp.CONFIRMED),
        ("I don't think I can make it", Rsvp.DECLINED),
        ("yes... actually no", Rsvp.DECLINED),
        ("no puedo ir, lo siento", Rsvp.DECLINED),
        ("Sim... na verdade não vou", Rsvp.DECLINED),
        ("ما راح أحضر", Rsvp.DECLINED),
        ("Maybe, I'll try to come", Rsvp.MAYBE),  # an explicit maybe answers
        ("Oui, je serai là avec mon mari", Rsvp.CONFIRMED),
        ("Je ne serai pas présente, désolée", Rsvp.DECLINED),
        ("je viens pas, on est en vacances", Rsvp.DECLINED),
        ("Oui mais finalement non", Rsvp.DECLINED),
        ("Peut-être, si je peux", Rsvp.MAYBE),
        ("Pas de problème, on vient !", Rsvp.CONFIRMED),  # "pas" here negates nothing
    ],
)
def test_answers_inside_sentences(body: str, rsvp: Rsvp) -> None:
    assert classify(body).rsvp == rsvp


@pytest.mark.parametrize(
    "body",
    [
        "No, but I'll come next time",  # a later yes never overrides a no
        "yes no",
        "Can I come with my wife?",  # asks, answers nothing
        "لا، بس بحضر المرة الجاية",
        "Non, mais je viendrai la prochaine fois",
        "Je peux venir avec ma sœur ?",
    ],
)
def test_undecided_answers_are_left_to_the_organiser(body: str) -> None:
    reading = classify(body)
    assert (reading.kind, reading.rsvp, reading.undecided) == (InboundKind.TEXT, None, True)


@pytest.mark.parametrize(
    ("phone", "language"),
    [
        ("whatsapp:+34612345678", "es"),
        ("+5215512345678", "es"),
        ("+5511987654321", "pt"),
        ("+351912345678", "pt"),
        ("+966501234567", "ar"),
        ("+201001234567", "ar"),
        ("+212612345678", "ar"),  # Morocco writes Arabic first, French second: ar
        ("+33612345678", "fr"),
        ("+221771234567", "fr"),  # Senegal
        ("+2250712345678", "fr"),  # Côte d'Ivoire
        ("+262692123456", "fr"),  # Réunion
        ("+32470123456", None),  # Belgium: Dutch or French, no one language
        ("+41781234567", None),  # Switzerland: German, French or Italian
        ("+14155550100", None),
        ("+447700900123", None),
        ("", None),
    ],
)
def test_phone_language(phone: str, language: str | None) -> None:
    assert phone_language(phone) == language


def test_shared_words_follow_the_sender_country() -> None:
    assert classify("no", phone="+34612345678").language == "es"
    assert classify("no", phone="+5511987654321").language == "en"  # "no" isn't Portuguese
    assert classify("cancelar", phone="+5511987654321").language == "pt"
    assert classify("cancelar", phone="+14155550100").language == "es"
    assert classify("ok", phone="+966501234567").language == "ar"
    assert classify("ok", phone="+33612345678").language == "fr"


@pytest.mark.parametrize(
    ("body", "written_in"),
    [
        ("yes", "en"),
        ("Sí", "es"),
        ("Oui !", "fr"),
        ("Sí, claro, allí estaré", "es"),  # "claro" is Portuguese too, the rest Spanish
        ("Je ne serai pas là", "fr"),
        ("ok", None),  # shared by every language
        ("no", None),  # English or Spanish
        ("claro", None),
        ("👍", None),
        ("Is there parking?", None),  # no word the reader knows
    ],
)
def test_the_language_a_reply_is_written_in(body: str, written_in: str | None) -> None:
    assert classify(body).written_in == written_in


def test_a_button_title_says_nothing_of_the_guests_language() -> None:
    reading = classify(None, button_payload="yes", button_text="Sí, asistiré")
    assert reading.written_in is None
    assert answer_language(reading, "pt", "+34612345678", follow_replies=True) == "pt"


def test_a_guest_is_answered_in_their_language() -> None:
    typed = classify("yes")
    assert answer_language(typed, "es", "+14155550100") == "es"
    assert answer_language(typed, None, "+33612345678") == "fr"  # none stored: the phone's
    assert answer_language(typed, None, "+14155550100") == "en"
    assert answer_language(typed, "es", "+14155550100", follow_replies=True) == "en"
    assert answer_language(classify("ok"), "es", "+1415", follow_replies=True) == "es"
    french = confirmation(typed, "Ana", "Gala", "fr")
    assert french == "Merci, Ana ! Votre présence à Gala est confirmée."


def test_button_payloads_win_over_the_body() -> None:
    reading = classify("Não", button_payload=" YES ", button_text="Não")
    assert (reading.rsvp, reading.language) == (Rsvp.CONFIRMED, "pt")
    unknown = classify("Stop", button_payload="menu", button_text="Stop")
    assert unknown.kind is InboundKind.OPTOUT  # an unknown payload falls back to the text


def test_confirmation_needs_an_event_for_rsvps() -> None:
    reading = classify("yes")
    assert confirmation(reading) is None
    assert confirmation(reading, "Ana", "Gala") == "Thanks, Ana! You're confirmed for Gala."
    assert confirmation(classify("stop")) is not None
    assert confirmation(classify("hello")) is None


@pytest.mark.parametrize(
    ("body", "keyword"),
    [
        ("Please stop sending me messages", "stop sending me messages"),
        ("No more messages please", "no more messages"),
        ("Deja de escribirme", "deja de escribirme"),
        ("Para de me mandar mensagem", "para de me mandar"),
        ("Arrête de m'envoyer des messages", "arrete de m envoyer"),
        ("لا ترسل لي رسائل", "لا ترسل لي"),
        ("No thanks, stop sending me messages", "stop sending me messages"),  # a no stands
        ("No me mandéis más mensajes por favor", "no me mandeis mas"),  # a refusal to
        ("não quero receber mais mensagens", "nao quero receber"),  # receive is no "no"
        ("الرجاء عدم إرسال رسائل", "عدم ارسال"),
        ("ما بدي توصلني رسايل", "ما بدي توصلني رسايل"),
        ("Merci de ne plus m'envoyer de messages", "ne plus m envoyer"),
        ("Stop merci", "stop"),  # a keyword with only courtesies around it
    ],
)
def test_opt_outs_written_out(body: str, keyword: str) -> None:
    reading = classify(body)
    assert (reading.kind, reading.rsvp, reading.keyword) == (InboundKind.OPTOUT, None, keyword)


@pytest.mark.parametrize(
    ("body", "kind", "keyword"),
    [
        ("STOP", InboundKind.OPTOUT, "stop"),  # the exact keywords read as before
        ("Baja", InboundKind.OPTOUT, "baja"),
        ("stop sending me the wrong date", InboundKind.TEXT, None),  # about a message
        ("My brother will take me", InboundKind.TEXT, None),  # a ride, not a removal
        ("ليش ما ترسل لي الموقع؟", InboundKind.TEXT, None),  # asks for a message
        ("Yes! but stop sending me messages", InboundKind.TEXT, None),  # says both
    ],
)
def test_exact_keywords_and_what_is_not_an_opt_out(
    body: str, kind: InboundKind, keyword: str | None
) -> None:
    reading = classify(body)
    assert (reading.kind, reading.keyword) == (kind, keyword)


@pytest.mark.parametrize(
    ("body", "rsvp"),
    [
        ("No way I'd miss it!", Rsvp.CONFIRMED),  # a negative word in an eager yes
        ("No me lo pierdo", Rsvp.CONFIRMED),
        ("Não perco por nada", Rsvp.CONFIRMED),
        ("Je raterais ça pour rien au monde", Rsvp.CONFIRMED),
        ("ما بفوتها", Rsvp.CONFIRMED),
        ("Stop it, of course we're coming!", Rsvp.CONFIRMED),
        ("nah yeah", Rsvp.CONFIRMED),
        ("yeah nah", Rsvp.DECLINED),
        ("So sorry, we have another wedding", Rsvp.DECLINED),  # an apology that declines
        ("Lo siento, estamos de viaje", Rsvp.DECLINED),
        ("معلش مش هقدر", Rsvp.DECLINED),
        ("Désolé on sera pas là", Rsvp.DECLINED),
        ("I'd love to but I'm working that day", Rsvp.DECLINED),  # a wish, then a contrast
        ("Me encantaría, pero trabajo ese día", Rsvp.DECLINED),
        ("I'd love to come!", Rsvp.CONFIRMED),
        ("akid 7a2ji", Rsvp.CONFIRMED),  # Arabizi
        ("la2 ma ba2dar", Rsvp.DECLINED),
        ("inshallah ji", Rsvp.CONFIRMED),
    ],
)
def test_idioms_apologies_and_regional_forms(body: str, rsvp: Rsvp) -> None:
    assert classify(body).rsvp == rsvp


@pytest.mark.parametrize(
    "body",
    [
        "depends on work",  # a condition
        "Yes, if I'm back in time",  # a condition beside a yes is still a doubt
        "Si puedo voy",
        "Se der, eu vou",
        "Je viendrai si je peux",
        "ممكن، على حسب الشغل",  # "ممكن" in a sentence is "could": a condition follows
        "Are kids allowed? If not I'll have to skip it",  # a no on a condition
        "Si va él, yo no voy",
        "Se me derem boleia eu vou",
    ],
)
def test_a_condition_is_left_to_the_organiser(body: str) -> None:
    reading = classify(body)
    assert (reading.kind, reading.rsvp, reading.undecided) == (InboundKind.TEXT, None, True)


@pytest.mark.parametrize(
    "body",
    [
        "maybe",
        "Perhaps",
        "maybe, 2 of us",
        "probably yes",  # a lean with a yes word is a maybe
        "I think so",
        "Quizás",
        "Tal vez",
        "a lo mejor",
        "Probablemente sí",
        "talvez",
        "Pode ser",
        "Provavelmente sim",
        "Peut-être",
        "Probablement oui",
        "ربما",
        "يمكن",
        "ممكن",  # alone, "possible": a maybe, as French "possible" is
        "momken",
        "Se calhar",
        "de pronto sí",
        "maybe 🤔",
        # an answer left open, without a condition or a question, is a maybe too
        "I'll try",  # a plan to try
        "probably",  # a lean with no yes in it
        "not sure yet",
        "I don't know",
        "I'll try but I can't promise",
        "No sé",
        "Vou tentar",
        "Não sei",
        "On verra",
        "Je vais essayer",
        "Je ne sais pas",
        "إن شاء الله أحاول",
        "Trataré de ir",  # every tense of "try" ("Tentarei ir", "🤷": the model, trained on
        "J'essaierai de venir",  # blind files that call them doubts, sends them to the inbox)
        "هحاول آجي",
        "Ahí vemos, 50 y 50",
        "Pode ser que sim, pode ser que não",
        "Maybe, if I can get a babysitter",  # a said maybe stays one beside a condition
    ],
)
def test_an_explicit_or_open_maybe_is_a_maybe(body: str) -> None:
    assert classify(body).rsvp is Rsvp.MAYBE


def test_not_possible_in_arabic_declines() -> None:
    assert classify("مش ممكن أحضر").rsvp is Rsvp.DECLINED


@pytest.mark.parametrize(
    "body", ["Inshallah", "إن شاء الله", "Si Dios quiere", "Si Dieu le veut", "I'd love to!"]
)
def test_god_willing_alone_answers_nothing(body: str) -> None:
    assert classify(body).kind is InboundKind.TEXT
