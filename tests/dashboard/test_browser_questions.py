"""An event's questions in a real browser (Chromium): an Arabic wedding adds a choice in
English and Arabic and a text question in Arabic only, reads how guests will see them, then
the answers per choice and the latest words, and removes a question; at 1280 px and on a
phone, nothing wider than the window. Screenshots: /tmp/dashboard-questions-*.png.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from app import create_app
from app.models import Rsvp
from tests.support.browser import PHONE, on_a_phone, shoot, sign_in
from tests.support.database import dispose_engines, query
from tests.support.factories import answer, invite, make_event, make_guests
from tests.support.stack import ServiceStack

pytestmark = pytest.mark.slow

GUESTS = [("ليلى حداد", "+971501234560"), ("عمر الفاسي", "+971501234561"), ("Ana", "+34612345670")]


def open_other_languages(page: Page) -> None:
    """Show the form's languages other than English (folded away until one is filled)."""
    other = page.locator("details.other-languages")
    if other.get_attribute("open") is None:
        other.locator("summary").click()


def fill_choice_question(page: Page) -> None:
    """Fill in a choice question in English and Arabic, the Arabic one choice short."""
    page.get_by_label("How guests answer").select_option("One of several choices")
    page.get_by_label("Question in English").fill("Main course?")
    page.get_by_label("Choices in English").fill("Fish\nMeat\nSalad")
    open_other_languages(page)
    page.get_by_label("Question in العربية").fill("ما الطبق الرئيسي؟")
    page.get_by_label("Choices in العربية").fill("سمك\nلحم")


def refuse_uneven_choices(browser: Browser, stack: ServiceStack, event_id: int) -> None:
    """Languages listing a different number of choices are refused, the form kept as typed
    (in a page of its own: the 422 is a console error there)."""
    context = browser.new_context(viewport=PHONE, locale="en-GB", timezone_id="Asia/Dubai")
    page = context.new_page()
    page.goto(f"{stack.web_url}/events/{event_id}/questions")
    sign_in(page)
    fill_choice_question(page)
    page.get_by_role("button", name="Add the question").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Each language must list the same choices, in the same order"
        " (English has 3, العربية has 2)."
    )
    expect(page.get_by_label("Choices in العربية")).to_have_value("سمك\nلحم")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(page, "questions-refused-phone")
    context.close()


def test_questions_are_added_read_as_guests_read_them_and_counted(
    stack: ServiceStack, page: Page, browser: Browser, migrated: dict[str, str]
) -> None:
    app = create_app(migrated)
    event_id = make_event(app, "حفل زفاف ليلى", time_zone="Asia/Dubai")
    guests = make_guests(app, event_id, GUESTS)
    for guest in guests:
        invite(app, guest, rsvp=Rsvp.CONFIRMED)
    page.goto(f"{stack.web_url}/events/{event_id}")
    sign_in(page)
    page.get_by_role("link", name="Questions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Questions for the guests who say yes"
    )
    shoot(page, "questions-empty")

    refuse_uneven_choices(browser, stack, event_id)
    fill_choice_question(page)
    page.get_by_label("Choices in العربية").fill("سمك\nلحم\nسلطة")
    page.get_by_role("button", name="Add the question").click()
    expect(page.get_by_text("Question 1 added.")).to_be_visible()

    page.get_by_label("How guests answer").select_option("Answered in their own words")
    expect(page.get_by_label("Choices in English")).to_be_hidden()
    open_other_languages(page)
    page.get_by_label("Question in العربية").fill("هل لديك أي احتياجات غذائية؟")
    page.get_by_role("button", name="Add the question").click()
    expect(page.get_by_text("Question 2 added.")).to_be_visible()
    [main, diet] = [row.id for row in query(app, "SELECT id FROM questions ORDER BY position")]

    answer(app, guests[0], main, choices=[3])
    answer(app, guests[1], main, choices=[1])
    answer(app, guests[2], main, choices=[3])
    answer(app, guests[0], diet, "بدون مكسرات من فضلك")
    with app.app_context():
        dispose_engines()
    page.reload()
    first = page.locator("[data-question='1']")
    expect(first.locator("[data-answered]")).to_have_text("3 guests answered")
    expect(first.locator(".bar-label").nth(2)).to_have_text("3. Salad")
    expect(first.locator(".bar-value").nth(2)).to_have_text("2 (67%)")
    second = page.locator("[data-question='2']")
    expect(second).to_contain_text("بدون مكسرات من فضلك")
    second.get_by_text("As guests read it, and removing it").click()
    expect(second.locator(".whatsapp-preview")).to_have_text(
        "Question 2 of 2: هل لديك أي احتياجات غذائية؟"
    )
    shoot(page, "questions")
    on_a_phone(page, "questions")

    page.once("dialog", lambda dialog: dialog.accept())
    second.get_by_role("button", name="Remove this question and its 1 answer").click()
    expect(page.get_by_text("Question removed, with its answers.")).to_be_visible()
    expect(page.locator("section.question")).to_have_count(1)
    page.get_by_role("link", name="حفل زفاف ليلى").click()
    expect(page.get_by_role("link", name="Questions (1)")).to_be_visible()
