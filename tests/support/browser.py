"""What every browser test does: drive Debian's Chromium, sign in, take a screenshot."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

from tests.support.constants import ADMIN_EMAIL, ADMIN_PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path("/tmp")  # where the brief asks for them


def sign_in(page: Page, password: str = ADMIN_PASSWORD) -> None:
    """Fill and submit the sign-in form."""
    page.get_by_label("Email").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def shoot(page: Page, name: str) -> None:
    """Save a full-page screenshot to /tmp/dashboard-<name>.png (after animations settle)."""
    page.wait_for_timeout(700)
    page.screenshot(path=str(SCREENSHOTS / f"dashboard-{name}.png"), full_page=True)
