"""The emulator's guests: what each one answers to a message delivered to them.

A guest has a mind of their own, drawn from their number (and the seed), so that it is the
same after a restart: the language their country speaks, the answer they give (the
`auto_reply` mode: yes, no, maybe, or one drawn at random), whether they type it or tap a
button, a head count with a typed yes, a question they ask first, or STOP. The rates of
each are options (`auto_reply_text_rate`, ...). Each delivered message is answered or not:

- a guest who answered stays silent on later messages (a reminder, a follow-up, an
  organiser's reply), unless `auto_reply_change_rate` makes them change their answer;
- a guest who wrote STOP says nothing more;
- a guest who has not answered may miss a message (`auto_reply_silent_rate`), else asks
  their question once, else answers;
- a seat offer (a template of `offer_templates`) is answered by tapping Claim
  (`auto_reply_claim_rate`, default 0.8) or Pass, whatever was said before;
- a question asked with buttons or a list (a content whose options are not an
  invitation's yes, no and maybe: "how many of you?", a choice) gets a tap on one of its
  options, drawn at random.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from types import MappingProxyType

import phonenumbers

from app.emulator.config import EmulatorConfig, strip_channel
from app.emulator.content import StoredContent
from app.emulator.replies import GuestReply

ANSWERS = ("yes", "no", "maybe")
STOPPED = "stop"
ASKED = "asked"  # asked a question, has not answered yet

# The language a number's country speaks, by ISO 3166 region; English elsewhere.
REGION_LANGUAGES = MappingProxyType({
    **dict.fromkeys(("ES", "MX", "AR", "CO", "CL", "PE", "VE", "EC", "GT", "CU", "BO", "DO", "HN",
                     "PY", "SV", "NI", "CR", "PA", "UY", "GQ", "PR"), "es"),
    **dict.fromkeys(("BR", "PT", "AO", "MZ", "CV", "GW", "ST", "TL"), "pt"),
    **dict.fromkeys(("SA", "AE", "EG", "DZ", "MA", "TN", "LY", "JO", "LB", "SY", "IQ", "KW", "QA",
                     "BH", "OM", "YE", "SD", "PS", "MR", "DJ", "KM"), "ar"),
    **dict.fromkeys(("FR", "MC", "SN", "CI", "ML", "BF", "NE", "TG", "BJ", "GA", "CG", "CD", "MG",
                     "HT", "RE", "GP", "MQ", "GF"), "fr"),
})  # fmt: skip

# What guests type, in each language: answers, head counts ({n}), questions and opting out.
PHRASES: MappingProxyType[str, MappingProxyType[str, tuple[str, ...]]] = MappingProxyType({
    "en": MappingProxyType({
        "yes": ("Yes", "Yes, I'll be there!", "Count me in", "Of course, see you there"),
        "no": ("No", "Sorry, I can't make it", "Unfortunately I can't come", "No, thank you"),
        "maybe": ("Maybe", "Perhaps", "Maybe, I'll let you know"),
        "count": ("Yes, we'll be {n}", "Yes! There will be {n} of us", "We will be {n}"),
        "question": ("Is there parking?", "Can I bring my kids?", "What time does it end?",
                     "Is there a dress code?"),
        "stop": ("STOP",),
    }),
    "es": MappingProxyType({
        "yes": ("Sí", "Sí, allí estaré", "Claro que sí", "Cuenta conmigo"),
        "no": ("No", "No puedo, lo siento", "Lamentablemente no podré ir", "No, gracias"),
        "maybe": ("Quizás", "Tal vez", "Puede ser"),
        "count": ("Sí, seremos {n}", "seremos {n}", "Sí, iremos {n}"),
        "question": ("¿Hay aparcamiento?", "¿Puedo llevar a mis hijos?", "¿A qué hora termina?",
                     "¿Hay código de vestimenta?"),
        "stop": ("BAJA", "STOP"),
    }),
    "pt": MappingProxyType({
        "yes": ("Sim", "Sim, estarei lá", "Com certeza", "Pode contar comigo"),
        "no": ("Não", "Infelizmente não vou poder", "Não posso, desculpe", "Não, obrigado"),
        "maybe": ("Talvez", "Pode ser", "Quem sabe"),
        "count": ("Sim, seremos {n}", "seremos {n}", "Sim, vamos em {n}"),
        "question": ("Tem estacionamento?", "Posso levar meus filhos?", "Que horas termina?",
                     "Qual é o traje?"),
        "stop": ("PARAR", "SAIR"),
    }),
    "ar": MappingProxyType({
        "yes": ("نعم", "نعم سأحضر", "أكيد", "بكل سرور"),
        "no": ("لا", "لن أتمكن من الحضور", "للأسف لا أستطيع", "أعتذر عن الحضور"),
        "maybe": ("ربما", "يمكن", "ربما أحضر"),
        "count": ("نعم، سنكون {n}", "سنكون {n}"),
        "question": ("هل يوجد موقف سيارات؟", "هل يمكنني إحضار أطفالي؟", "متى ينتهي الحفل؟"),
        "stop": ("إلغاء", "توقف"),
    }),
    "fr": MappingProxyType({
        "yes": ("Oui", "Oui, je serai là", "Avec plaisir", "Bien sûr"),
        "no": ("Non", "Désolé, je ne pourrai pas venir", "Non merci"),
        "maybe": ("Peut-être", "Peut-être, je vous dirai"),
        "count": ("Oui, nous serons {n}", "nous serons {n}"),
        "question": ("Y a-t-il un parking ?", "Puis-je venir avec mes enfants ?",
                     "À quelle heure ça se termine ?"),
        "stop": ("STOP", "ARRÊT"),
    }),
})  # fmt: skip
# Head counts as guests write them: two to five.
NUMBER_WORDS = MappingProxyType(
    {
        "en": ("two", "three", "four", "five"),
        "es": ("dos", "tres", "cuatro", "cinco"),
        "pt": ("dois", "três", "quatro", "cinco"),
        "ar": ("اثنين", "ثلاثة", "أربعة", "خمسة"),
        "fr": ("deux", "trois", "quatre", "cinq"),
    }
)
# The quick-reply buttons' titles of each language's template.
BUTTON_TITLES = MappingProxyType(
    {
        "en": {"yes": "Yes", "no": "No", "maybe": "Maybe"},
        "es": {"yes": "Sí", "no": "No", "maybe": "Quizás"},
        "pt": {"yes": "Sim", "no": "Não", "maybe": "Talvez"},
        "ar": {"yes": "نعم", "no": "لا", "maybe": "ربما"},
        "fr": {"yes": "Oui", "no": "Non", "maybe": "Peut-être"},
    }
)


def number_language(number: str) -> str:
    """The language of a number's country (en, es, pt, ar, fr); English when unknown."""
    try:
        parsed = phonenumbers.parse(strip_channel(number), None)
    except phonenumbers.NumberParseException:
        return "en"
    return REGION_LANGUAGES.get(phonenumbers.region_code_for_number(parsed) or "", "en")


@dataclass(frozen=True)
class Move:
    """One message a guest sends: a tap or typed text, and what they have said since."""

    said: str  # yes, no, maybe, stop or asked
    button: str | None = None
    button_text: str | None = None
    text: str | None = None

    def reply(self, guest: str, original_sid: str) -> GuestReply:
        """The reply to the message `original_sid`, as the inbound webhook receives it."""
        return GuestReply(
            guest=guest,
            button=self.button,
            button_text=self.button_text,
            text=self.text,
            original_sid=original_sid,
        )


@dataclass(frozen=True)
class Guest:
    """A guest's mind: their language, their answer and how they give it."""

    language: str
    answer: str
    typed: bool
    head_count: int | None
    question: str | None
    stops: bool
    wording: int  # which of their language's phrases they use

    def saying(self, answer: str) -> Move:
        """Give `answer`, typed or tapped, in the guest's language."""
        if not self.typed:
            title = BUTTON_TITLES[self.language][answer]
            return Move(answer, button=answer, button_text=title)
        phrases = PHRASES[self.language]
        if answer == "yes" and self.head_count is not None:
            count = NUMBER_WORDS[self.language][self.head_count - 2]
            return Move(answer, text=pick(phrases["count"], self.wording).format(n=count))
        return Move(answer, text=pick(phrases[answer], self.wording))

    def stopping(self) -> Move:
        """Opt out, in the guest's language."""
        return Move(STOPPED, text=pick(PHRASES[self.language]["stop"], self.wording))

    def asking(self) -> Move:
        """Ask the guest's question."""
        return Move(ASKED, text=self.question)


def pick(options: tuple[str, ...], index: int) -> str:
    """One of `options`, the same one for the same index."""
    return options[index % len(options)]


def guest_of(number: str, config: EmulatorConfig) -> Guest:
    """The guest behind `number`: the same mind for the same number, seed and rates."""
    rng = random.Random(f"guest-{config.seed}-{strip_channel(number)}")
    drawn = [rng.random() for _ in range(5)]  # one draw per trait, whatever the rates
    language = number_language(number)
    answer = config.auto_reply if config.auto_reply in ANSWERS else ANSWERS[int(drawn[0] * 3)]
    wording = rng.randrange(1000)
    questions = PHRASES[language]["question"]
    return Guest(
        language=language,
        answer=answer,
        typed=drawn[1] < config.auto_reply_text_rate,
        head_count=2 + wording % 4 if drawn[2] < config.auto_reply_count_rate else None,
        question=pick(questions, wording) if drawn[3] < config.auto_reply_question_rate else None,
        stops=drawn[4] < config.auto_reply_stop_rate,
        wording=wording,
    )


def next_move(
    guest: Guest, said: str | None, config: EmulatorConfig, rng: random.Random
) -> Move | None:
    """What the guest sends on a message delivered to them, given what they said before."""
    if said == STOPPED:
        return None
    if said in ANSWERS:
        if rng.random() < config.auto_reply_change_rate:  # told to: a change of mind
            return guest.saying(rng.choice([answer for answer in ANSWERS if answer != said]))
        return None  # an answer stands, on a reminder, a follow-up or anything else
    if rng.random() < config.auto_reply_silent_rate:
        return None
    return first_answer(guest, said)


# The buttons of a seat offer's template.
OFFER_BUTTONS = MappingProxyType({"claim": "Claim", "pass": "Pass"})


def offer_move(config: EmulatorConfig, rng: random.Random) -> Move:
    """A guest's tap on a seat offer: Claim or Pass (they keep their yes either way here:
    the service records what the tap did)."""
    choice = "claim" if rng.random() < config.auto_reply_claim_rate else "pass"
    return Move("yes", button=choice, button_text=OFFER_BUTTONS[choice])


def question_tap(
    content: StoredContent | None, said: str | None, rng: random.Random
) -> Move | None:
    """A tap on one of the options of a question asked with buttons or a list, or None
    when the message asks none (no content of ours, no options, or only an invitation's
    yes, no and maybe)."""
    options = content.option_ids() if content is not None else []
    options = [option for option in options if option.lower() not in ANSWERS]
    if not options:
        return None
    return Move(said or "yes", button=rng.choice(options))  # asked after a yes


def first_answer(guest: Guest, said: str | None) -> Move:
    """A guest who has not answered: STOP, their question (once), else their answer."""
    if guest.stops:
        return guest.stopping()
    if guest.question is not None and said != ASKED:
        return guest.asking()
    return guest.saying(guest.answer)


def told(reply: GuestReply) -> str | None:
    """What a reply made through the control endpoint says: an answer, STOP, or nothing known."""
    if reply.button:
        return reply.button.lower() if reply.button.lower() in ANSWERS else None
    text = (reply.text or "").strip().casefold()
    for phrases in PHRASES.values():
        for said in (*ANSWERS, "stop"):
            if text in (phrase.casefold() for phrase in phrases[said]):
                return said
    return None
