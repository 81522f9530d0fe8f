"""The team in Chromium: an owner invites door staff from "Team"; the link, opened on a
phone, takes a password and signs them in to the doors, and to nothing else; the link then
opens no more. Screenshots: /tmp/dashboard-team-*.png."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from app import create_app
from tests.support.browser import PHONE, shoot, sign_in
from tests.support.database import dispose_engines
from tests.support.factories import make_event
from tests.support.stack import ServiceStack

pytestmark = pytest.mark.slow


def test_an_owner_invites_door_staff_who_see_only_the_door(
    stack: ServiceStack, page: Page, browser: Browser, migrated: dict[str, str]
) -> None:
    app = create_app(migrated)
    event_id = make_event(app, "Summer gala")
    with app.app_context():
        dispose_engines()
    page.goto(f"{stack.web_url}/team")
    sign_in(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Team")
    page.get_by_label("Email", exact=True).fill("door@example.org")
    page.get_by_label("Role", exact=True).select_option("door")
    page.get_by_role("button", name="Make an invite link").click()
    link = page.locator("#invite-link").input_value()
    assert link.startswith(f"{stack.web_url}/invite/")
    shoot(page, "team-invite")

    context = browser.new_context(viewport=PHONE, locale="en-GB")
    door = context.new_page()
    door.goto(link)
    expect(door.get_by_text("with the role door")).to_be_visible()
    door.get_by_label("Choose a password").fill("a door password")
    door.get_by_label("The same password again").fill("a door password")
    door.get_by_role("button", name="Join and sign in").click()
    expect(door.get_by_role("heading", level=1)).to_have_text("Which door?")
    expect(door.locator(".mainnav a")).to_have_text(["Door"])
    door.locator(".account summary").click()  # their own tokens and second factor
    expect(door.locator(".account-menu a")).to_have_text(["API tokens", "Two-factor sign-in"])
    shoot(door, "team-door-list")
    door.locator(".account summary").click()
    door.get_by_role("link", name="Summer gala").click()
    expect(door.get_by_role("heading", level=1)).to_have_text("Door")
    assert door.url == f"{stack.web_url}/events/{event_id}/door"
    refused = door.request.get(f"{stack.web_url}/events/{event_id}", max_redirects=0)
    assert refused.status == 403
    assert door.request.get(link).status == 404  # the link opened once
    context.close()

    page.goto(f"{stack.web_url}/team")
    expect(page.locator("#members")).to_contain_text("door@example.org")
    expect(page.locator("#invites")).to_have_count(0)
