"""What every browser test does: drive Debian's Chromium, sign in, take a screenshot."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, ViewportSize

from tests.support.constants import ADMIN_EMAIL, ADMIN_PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path("/tmp")  # where the brief asks for them
# A phone's window, and the desktop one the dashboard's page fixture opens.
PHONE = ViewportSize(width=390, height=844)
DESKTOP = ViewportSize(width=1280, height=900)


def sign_in(page: Page, password: str = ADMIN_PASSWORD) -> None:
    """Fill and submit the sign-in form."""
    page.get_by_label("Email").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def shoot(page: Page, name: str) -> None:
    """Save a full-page screenshot to /tmp/dashboard-<name>.png (after animations settle)."""
    page.wait_for_timeout(700)
    page.screenshot(path=str(SCREENSHOTS / f"dashboard-{name}.png"), full_page=True)


def on_a_phone(page: Page, name: str) -> None:
    """Photograph the page at 390 px, checking nothing is wider, then go back to 1280."""
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(page, f"{name}-phone")
    page.set_viewport_size(DESKTOP)
