"""The emulator's guests (no server): their language, typed answers at the rates set, and an
answer that stands on a reminder or follow-up unless they are told to change it."""

from __future__ import annotations

import random
from collections import Counter
from itertools import pairwise

import pytest

from app.emulator.config import EmulatorConfig
from app.emulator.guests import (
    ANSWERS,
    ASKED,
    BUTTON_TITLES,
    NUMBER_WORDS,
    PHRASES,
    STOPPED,
    Guest,
    Move,
    first_answer,
    guest_of,
    next_move,
    number_language,
    told,
)
from app.emulator.replies import GuestReply, reply_params
from app.models.enums import InboundKind, Rsvp
from app.services.replies import VOCABULARY, Intent, classify

# A guest of each language: Madrid, São Paulo, Riyadh, Paris, New York.
NUMBERS = {
    "es": "+34612345678",
    "pt": "+5511987654321",
    "ar": "+966501234567",
    "fr": "+33612345678",
    "en": "+12025550123",
}
MANY = 4000  # guests for the rates: a share is within 0.03 of its rate (over 4 sd)


def guests(count: int, prefix: str = "+3461") -> list[str]:
    """Distinct Spanish mobile numbers."""
    return [f"{prefix}{index:07d}" for index in range(count)]


def share(flags: list[bool]) -> float:
    """The share of true flags."""
    return sum(flags) / len(flags)


@pytest.mark.parametrize(
    ("number", "language"),
    [
        *((number, language) for language, number in NUMBERS.items()),
        ("whatsapp:+34612345678", "es"),  # the channel prefix as messages carry it
        ("+525512345678", "es"),  # Mexico
        ("+351912345678", "pt"),  # Portugal
        ("+212612345678", "ar"),  # Morocco, as the service reads it
        ("+221771234567", "fr"),  # Senegal
        ("+447700900123", "en"),
        ("not a number", "en"),
    ],
)
def test_a_guest_speaks_the_language_of_their_number(number: str, language: str) -> None:
    assert number_language(number) == language


@pytest.mark.parametrize("language", list(NUMBERS))
@pytest.mark.parametrize("answer", ANSWERS)
def test_typing_guests_answer_in_their_language(language: str, answer: str) -> None:
    config = EmulatorConfig(auto_reply=answer, auto_reply_text_rate=1.0)
    texts = set()
    for index in range(40):
        number = NUMBERS[language][:-2] + f"{index:02d}"
        move = next_move(guest_of(number, config), None, config, random.Random(index))
        assert move is not None and move.button is None
        assert move.said == answer
        texts.add(move.text)
    assert texts == set(PHRASES[language][answer])  # every wording, none from elsewhere


@pytest.mark.parametrize("language", list(NUMBERS))
def test_tapping_guests_tap_their_languages_buttons(language: str) -> None:
    config = EmulatorConfig(auto_reply="maybe")
    move = next_move(guest_of(NUMBERS[language], config), None, config, random.Random(1))
    assert move == Move("maybe", button="maybe", button_text=BUTTON_TITLES[language]["maybe"])


@pytest.mark.parametrize("language", list(NUMBERS))
def test_a_typed_yes_gives_a_head_count_in_words(language: str) -> None:
    config = EmulatorConfig(auto_reply="yes", auto_reply_text_rate=1, auto_reply_count_rate=1)
    move = next_move(guest_of(NUMBERS[language], config), None, config, random.Random(1))
    assert move is not None and move.text is not None
    words = NUMBER_WORDS[language]
    assert move.text in {p.format(n=w) for p in PHRASES[language]["count"] for w in words}


def test_the_rates_set_are_the_shares_of_guests() -> None:
    config = EmulatorConfig(
        auto_reply="random",
        auto_reply_text_rate=0.4,
        auto_reply_count_rate=0.5,
        auto_reply_question_rate=0.1,
        auto_reply_stop_rate=0.05,
    )
    minds = [guest_of(number, config) for number in guests(MANY)]

    assert share([guest.typed for guest in minds]) == pytest.approx(0.4, abs=0.03)
    assert share([guest.head_count is not None for guest in minds]) == pytest.approx(0.5, abs=0.03)
    assert share([guest.question is not None for guest in minds]) == pytest.approx(0.1, abs=0.03)
    assert share([guest.stops for guest in minds]) == pytest.approx(0.05, abs=0.03)
    answers = Counter(guest.answer for guest in minds)
    assert all(count / MANY == pytest.approx(1 / 3, abs=0.03) for count in answers.values())


def test_silent_guests_miss_messages_at_the_rate_set() -> None:
    config = EmulatorConfig(auto_reply="yes", auto_reply_silent_rate=0.3)
    rng = random.Random(5)
    moves = [next_move(guest_of(n, config), None, config, rng) for n in guests(MANY)]
    assert share([move is None for move in moves]) == pytest.approx(0.3, abs=0.03)


def test_a_guest_is_the_same_after_a_restart() -> None:
    config = EmulatorConfig(auto_reply="random", auto_reply_text_rate=0.5, seed=None)
    assert [guest_of(n, config) for n in guests(50)] == [guest_of(n, config) for n in guests(50)]
    reseeded = EmulatorConfig(auto_reply="random", auto_reply_text_rate=0.5, seed=3)
    assert [guest_of(n, config) for n in guests(50)] != [guest_of(n, reseeded) for n in guests(50)]


def deliveries(config: EmulatorConfig, numbers: list[str], messages: int) -> dict[str, list[str]]:
    """What each guest says over `messages` delivered messages (an invitation, then reminders
    and follow-ups): the answers and opt-outs they sent, in order."""
    rng = random.Random(11)
    said: dict[str, str] = {}
    sent: dict[str, list[str]] = {number: [] for number in numbers}
    for _ in range(messages):
        for number in numbers:
            move = next_move(guest_of(number, config), said.get(number), config, rng)
            if move is not None:
                said[number] = move.said
                sent[number].append(move.said)
    return sent


def test_an_answer_stands_on_reminders_and_follow_ups() -> None:
    config = EmulatorConfig(
        auto_reply="random",
        auto_reply_text_rate=0.5,
        auto_reply_question_rate=0.2,
        auto_reply_stop_rate=0.05,
        auto_reply_silent_rate=0.2,
    )
    sent = deliveries(config, guests(1000), messages=5)

    for number, said in sent.items():
        answers = [s for s in said if s in ANSWERS]
        assert len(answers) <= 1, (number, said)  # answered once, never again
        if STOPPED in said:
            assert said == [STOPPED], (number, said)  # nothing after STOP
        if ASKED in said:
            assert said[0] == ASKED and said.count(ASKED) == 1, (number, said)
    # The demo's mix: most answer, some only after a follow-up, a few never.
    first = Counter(said[0] if said else None for said in sent.values())
    assert first[ASKED] > 100 and first[STOPPED] > 20 and first[None] < 10


def test_told_to_guests_change_their_answer_on_later_messages() -> None:
    config = EmulatorConfig(auto_reply="yes", auto_reply_change_rate=1.0)
    sent = deliveries(config, guests(200), messages=3)

    for said in sent.values():
        assert said[0] == "yes" and len(said) == 3
        assert all(before != after for before, after in pairwise(said))


def test_a_guest_asks_once_then_answers() -> None:
    guest = Guest("es", "no", typed=True, head_count=None, question="¿Hay aparcamiento?",
                  stops=False, wording=1)  # fmt: skip
    assert first_answer(guest, None) == Move(ASKED, text="¿Hay aparcamiento?")
    assert first_answer(guest, ASKED) == Move("no", text=PHRASES["es"]["no"][1])


@pytest.mark.parametrize(
    ("reply", "said"),
    [
        (GuestReply("+34612345678", button="YES"), "yes"),
        (GuestReply("+34612345678", button="menu"), None),
        (GuestReply("+34612345678", text="Quizás"), "maybe"),
        (GuestReply("+34612345678", text="baja"), "stop"),
        (GuestReply("+34612345678", text="¿Hay aparcamiento?"), None),
    ],
)
def test_a_reply_made_through_the_control_endpoint_is_remembered(
    reply: GuestReply, said: str | None
) -> None:
    assert told(reply) == said


# The service's reading of each kind of phrase: an answer, or text left to the organiser.
EXPECTED = {
    "yes": Rsvp.CONFIRMED,
    "no": Rsvp.DECLINED,
    "maybe": Rsvp.MAYBE,
    "count": Rsvp.CONFIRMED,
}


def typed_phrases() -> list[tuple[str, str, str]]:
    """Every phrase the guests type: (language, kind, text), head counts filled in."""
    found = []
    for language, kinds in PHRASES.items():
        for kind, phrases in kinds.items():
            for phrase in phrases:
                for word in NUMBER_WORDS[language][:1] if "{n}" in phrase else ("",):
                    found.append((language, kind, phrase.format(n=word)))
    return found


@pytest.mark.parametrize(("language", "kind", "text"), typed_phrases())
def test_the_service_never_reads_a_guests_words_as_another_answer(
    language: str, kind: str, text: str
) -> None:
    """Each typed answer reads as that answer, or (a head count alone, a language the service
    does not know yet) as text for the organiser; a question is never an answer."""
    reading = classify(text, phone=NUMBERS[language])
    known = language in VOCABULARY[Intent.YES]
    if kind == "question":
        assert reading.kind is InboundKind.TEXT
    elif kind == "stop":
        assert reading.rsvp is None
        if known:
            assert reading.kind is InboundKind.OPTOUT
    elif known and kind != "count":
        assert reading.rsvp is EXPECTED[kind], reading
    else:
        assert reading.rsvp in (None, EXPECTED[kind]), reading


# Twilio's inbound forms (/work/shared/twilio/webhook_examples.json): a typed text and a tap.
INBOUND_TEXT = {
    "MessageSid", "SmsMessageSid", "SmsSid", "AccountSid", "From", "To", "Body", "NumMedia",
    "NumSegments", "ProfileName", "WaId", "SmsStatus", "ApiVersion", "MessageType",
}  # fmt: skip
INBOUND_TAP = INBOUND_TEXT | {
    "ButtonText", "ButtonPayload", "OriginalRepliedMessageSid", "OriginalRepliedMessageSender",
}  # fmt: skip


def test_typed_answers_and_taps_have_twilios_inbound_shape() -> None:
    config = EmulatorConfig(auto_reply="yes", auto_reply_text_rate=1.0)
    typed = next_move(guest_of(NUMBERS["es"], config), None, config, random.Random(1))
    assert typed is not None
    form = reply_params(typed.reply("whatsapp:+34612345678", "SM" + "1" * 32), None, config)
    assert set(form) == INBOUND_TEXT
    assert form["MessageType"] == "text" and form["Body"] in PHRASES["es"]["yes"]

    tapping = EmulatorConfig(auto_reply="yes")
    tap = next_move(guest_of(NUMBERS["pt"], tapping), None, tapping, random.Random(1))
    assert tap is not None
    form = reply_params(tap.reply("whatsapp:+5511987654321", "SM" + "2" * 32), None, tapping)
    assert set(form) == INBOUND_TAP
    assert (form["ButtonPayload"], form["ButtonText"], form["Body"]) == ("yes", "Sim", "Sim")
