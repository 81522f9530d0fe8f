"""Questions with buttons: what fits WhatsApp's session buttons, the Content API payloads,
one content per distinct wording, and the taps read back."""

from __future__ import annotations

import pytest

from app.models import Question, QuestionKind
from app.services import buttons, party_wording
from app.services.buttons import Tap, choice_buttons, party_buttons, tap_of
from app.services.party_wording import Answered
from app.services.question_wording import heading

FISH_MEAT = [{"en": "Fish", "es": "Pescado"}, {"en": "Meat", "es": "Carne"}]


def question(choices: list[dict[str, str]], kind: QuestionKind = QuestionKind.CHOICE) -> Question:
    """A question of an event (id 7, asked second of two)."""
    return Question(id=7, position=2, kind=kind, wording={"en": "Main course?"}, choices=choices)


def test_a_party_of_up_to_three_is_asked_with_quick_replies() -> None:
    asked = "How many of you are coming, yourself included? Reply with a number from 1 to 3."
    found = party_buttons(asked, 2, "en")
    assert found is not None and found.quick_replies
    assert found.content_request() == {
        "friendly_name": f"ask_{found.key[:16]}",
        "language": "en",
        "variables": {},
        "types": {
            "twilio/quick-reply": {
                "body": asked,
                "actions": [
                    {"type": "QUICK_REPLY", "title": "1", "id": "party_1"},
                    {"type": "QUICK_REPLY", "title": "2", "id": "party_2"},
                    {"type": "QUICK_REPLY", "title": "3", "id": "party_3"},
                ],
            }
        },
    }


def test_a_bigger_party_is_a_list_up_to_ten_and_text_beyond() -> None:
    found = party_buttons("¿Cuántas personas?", 5, "es")
    assert found is not None and not found.quick_replies
    picker = found.content_request()["types"]["twilio/list-picker"]
    assert picker["button"] == "Elegir"
    assert [item["id"] for item in picker["items"]] == [f"party_{n}" for n in range(1, 7)]
    assert picker["items"][0]["description"] == "1 persona"
    assert party_buttons("?", 9, "en") is not None  # 1 to 10: a list holds ten
    assert party_buttons("?", 10, "en") is None  # 1 to 11: the text question
    assert party_buttons("?", 0, "en") is None  # no one to bring: nothing to ask


def test_a_one_choice_question_gets_quick_replies_in_the_guests_language() -> None:
    asked = question(FISH_MEAT)
    found = choice_buttons(asked, heading(asked, 2, "es"), "es")
    assert found is not None and found.quick_replies
    quick = found.content_request()["types"]["twilio/quick-reply"]
    # The question's words fall back to English; the rest is the guest's language.
    assert quick["body"] == ("Pregunta 2 de 2: Main course?\nToca tu respuesta.")
    assert [(a["id"], a["title"]) for a in quick["actions"]] == [
        ("answer_7_1", "Pescado"),
        ("answer_7_2", "Carne"),
    ]


def test_more_choices_or_longer_titles_go_as_a_list() -> None:
    four = question([{"en": name} for name in ("Fish", "Meat", "Pasta", "Salad")])
    long_titles = question([{"en": "A vegetarian main course"}, {"en": "Fish"}])  # 24 > 20
    for asked in (four, long_titles):
        found = choice_buttons(asked, heading(asked, 2, "en"), "en")
        assert found is not None and not found.quick_replies
        assert "twilio/list-picker" in found.content_request()["types"]


@pytest.mark.parametrize(
    "asked",
    [
        question([{"en": "A choice far too long for a list"}, {"en": "Fish"}]),  # 33 > 24
        question(FISH_MEAT, QuestionKind.CHOICES),  # several choices: typed "1, 3"
        question([], QuestionKind.TEXT),
    ],
)
def test_what_does_not_fit_stays_a_text_question(asked: Question) -> None:
    assert choice_buttons(asked, heading(asked, 2, "en"), "en") is None


def test_equal_words_share_one_content_and_other_words_do_not() -> None:
    asked = question(FISH_MEAT)
    first = choice_buttons(asked, heading(asked, 2, "en"), "en")
    again = choice_buttons(asked, heading(asked, 2, "en"), "en")
    spanish = choice_buttons(asked, heading(asked, 2, "es"), "es")
    assert first is not None and again is not None and spanish is not None
    assert first.key == again.key != spanish.key
    assert len(first.key) == 64


@pytest.mark.parametrize(
    ("params", "payload", "tap"),
    [
        ({}, "party_3", Tap(party=3)),
        ({"ListId": "party_6"}, None, Tap(party=6)),
        ({"ListId": "answer_7_2"}, None, Tap(question_id=7, choice=2)),
        ({}, "answer_7_1", Tap(question_id=7, choice=1)),
        ({}, "yes", None),
        ({}, "party_", None),
        ({"ListId": "answer_x_1"}, None, None),
        ({}, None, None),
    ],
)
def test_taps_are_read_from_the_list_id_or_the_button_payload(
    params: dict[str, str], payload: str | None, tap: Tap | None
) -> None:
    assert tap_of(params, payload) == tap


def test_a_yes_that_asks_how_many_can_leave_the_question_to_the_buttons() -> None:
    answered = Answered("Ana", "Gala", "en", 2, None, party_wording.Rsvp.CONFIRMED, None, None)
    asked = party_wording.how_many(answered)
    assert asked == (
        "How many of you are coming, yourself included? Reply with a number from 1 to 3."
    )
    assert party_wording.after_answer(answered, "Thanks!", ask=False) == "Thanks!"
    assert party_wording.after_answer(answered, "Thanks!") == f"Thanks! {asked}"
    sized = Answered("Ana", "Gala", "en", 2, None, party_wording.Rsvp.CONFIRMED, None, 2)
    assert party_wording.how_many(sized) is None


def test_limits_are_twilios() -> None:
    assert (buttons.MAX_BUTTONS, buttons.MAX_BUTTON_TITLE) == (3, 20)
    assert (buttons.MOST_LIST_ITEMS, buttons.LIST_ITEM, buttons.LIST_DESCRIPTION) == (10, 24, 72)
