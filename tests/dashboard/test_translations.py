"""The dashboard's catalogues (`app/translations`): complete, consistent, compiled, and used.

- Every message the source marks (`babel.cfg`: the app's Python and the dashboard's
  templates) has a translation in each language, with the same placeholders.
- The committed `.mo` files say what their `.po` files say (a deployment has no build step).
- No dashboard template holds text outside a translation call (`bare_text`).
- A request gets its language from the user's choice, else the browser's; Arabic is right
  to left.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.i18n import LANGUAGES
from app.models import User
from tests.support.constants import ADMIN_EMAIL, ADMIN_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "app" / "translations"
TEMPLATES = ROOT / "app" / "dashboard" / "templates"
TRANSLATED = sorted(code for code in LANGUAGES if code != "en")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{(\w*)\}")


def source_messages() -> dict[tuple[str, str | None], tuple[str, ...]]:
    """Each marked message (its msgid, or singular, and its context) and where it is, as
    `pybabel extract` finds them."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: dict[tuple[str, str | None], tuple[str, ...]] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            key = (msgid, context)
            found[key] = (*found.get(key, ()), f"{filename}:{lineno}")
    return found


def catalogue(code: str) -> Catalog:
    with (TRANSLATIONS / code / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=code)


def placeholders(text: str) -> set[str]:
    return {match.group(0) for match in PLACEHOLDER.finditer(text)}


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_marked_message_is_translated(code: str) -> None:
    translations = catalogue(code)
    missing = []
    for (msgid, context), places in source_messages().items():
        entry = translations.get(msgid, context=context)
        strings = entry.string if entry is not None else None
        texts = strings if isinstance(strings, tuple) else (strings,)
        if entry is None or entry.fuzzy or not all(texts):
            missing.append(f"{places[0]}: {msgid!r}")
    assert not missing, f"{len(missing)} messages without a {code} translation:\n" + "\n".join(
        missing[:40]
    )


@pytest.mark.parametrize("code", TRANSLATED)
def test_translations_keep_the_placeholders(code: str) -> None:
    wrong = []
    for entry in catalogue(code):
        if not entry.id or not entry.string:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        expected = set().union(*(placeholders(text) for text in ids))
        for text in strings:
            # A plural form may say its number in words ("one guest") instead of %(num)s.
            if placeholders(text) - expected or (len(ids) == 1 and placeholders(text) != expected):
                wrong.append(f"{entry.id!r} -> {text!r}")
    assert not wrong, "placeholders changed:\n" + "\n".join(wrong[:40])


@pytest.mark.parametrize("code", TRANSLATED)
def test_the_committed_mo_file_says_what_the_po_file_says(code: str) -> None:
    po = catalogue(code)
    compiled = BytesIO()
    write_mo(compiled, po)
    committed = TRANSLATIONS / code / "LC_MESSAGES" / "messages.mo"
    assert committed.exists(), "run: pybabel compile -d app/translations"
    with committed.open("rb") as mo:
        on_disk = {str(entry.id): str(entry.string) for entry in read_mo(mo) if entry.id}
    compiled.seek(0)
    fresh = {str(entry.id): str(entry.string) for entry in read_mo(compiled) if entry.id}
    assert on_disk == fresh, "stale .mo: run pybabel compile -d app/translations"


# Words that stay as they are in every language: names of things and formats.
UNTRANSLATED_WORDS = frozenset(
    {"WhatsApp", "Twilio", "API", "CSV", "XLSX", "JSON", "QR", "HX", "UTC", "ICS", "URL", "SID"}
)
TRANSLATABLE_ATTRIBUTES = frozenset({"title", "placeholder", "aria-label", "alt", "label"})
JINJA_TRANSLATED = re.compile(r"{%-?\s*trans\b.*?{%-?\s*endtrans\s*-?%}", re.S)
JINJA_EXPRESSION = re.compile(r"{{.*?}}", re.S)
JINJA_STATEMENT = re.compile(r"{%.*?%}|{#.*?#}", re.S)
LETTERS = re.compile(r"[^\W\d_]{2,}")


class TextFinder(HTMLParser):
    """Text nodes and translatable attributes of a template with its Jinja taken out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "svg"):
            self.skipping += 1
        self.found += [value for name, value in attrs if name in TRANSLATABLE_ATTRIBUTES and value]
        if tag == "input" and dict(attrs).get("type") in ("submit", "button"):
            self.found += [value for name, value in attrs if name == "value" and value]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "svg") and self.skipping:
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.found.append(data)


def bare_text(source: str) -> list[str]:
    """Words a reader would see that no translation call wraps."""
    source = JINJA_TRANSLATED.sub("", source)
    source = JINJA_EXPRESSION.sub("\x00", source)
    source = JINJA_STATEMENT.sub("", source)
    finder = TextFinder()
    finder.feed(source)
    bare = []
    for text in finder.found:
        words = [word for word in LETTERS.findall(text) if word not in UNTRANSLATED_WORDS]
        if words:
            bare.append(" ".join(text.replace("\x00", "…").split()))
    return bare


TEMPLATE_FILES = sorted(TEMPLATES.rglob("*.html"))


def test_the_finder_sees_bare_text_and_lets_translated_text_pass() -> None:
    assert bare_text('<p title="Open it">{{ _("Guests") }}</p>') == ["Open it"]
    assert bare_text("<p>{{ count }} guests</p>") == ["… guests"]
    assert bare_text("<p>{% trans %}Hello {{ name }}{% endtrans %}</p>") == []
    assert bare_text('<input type="submit" value="Save"><p>{{ _("x") }} · 3</p>') == ["Save"]


@pytest.mark.parametrize("template", TEMPLATE_FILES, ids=lambda path: path.name)
def test_no_dashboard_template_holds_bare_text(template: Path) -> None:
    assert bare_text(template.read_text(encoding="utf-8")) == []


def test_the_browser_language_picks_the_pages_language(client: FlaskClient) -> None:
    page = client.get("/login", headers={"Accept-Language": "pt-BR,pt;q=0.9,en;q=0.5"})
    assert '<html lang="pt" dir="ltr">' in page.text
    page = client.get("/login", headers={"Accept-Language": "ar-EG"})
    assert '<html lang="ar" dir="rtl">' in page.text
    page = client.get("/login", headers={"Accept-Language": "de-DE"})
    assert '<html lang="en" dir="ltr">' in page.text


def sign_in(client: FlaskClient) -> None:
    answer = client.post("/login", data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert answer.status_code == 302


def test_a_users_choice_wins_over_the_browser_and_outlives_the_session(
    app: Flask, client: FlaskClient, admin_id: int
) -> None:
    sign_in(client)
    answer = client.post(
        "/language", data={"language": "fr", "next": "/"}, headers={"Accept-Language": "es"}
    )
    assert answer.status_code == 302 and answer.headers["Location"] == "/"
    with app.app_context():
        assert db.session.get(User, admin_id).language == "fr"
    other_browser = app.test_client()
    sign_in(other_browser)
    page = other_browser.get("/", headers={"Accept-Language": "es"})
    assert '<html lang="fr" dir="ltr">' in page.text


def test_an_unknown_language_falls_back_to_the_browsers(
    app: Flask, client: FlaskClient, admin_id: int
) -> None:
    sign_in(client)
    client.post("/language", data={"language": "xx", "next": "/"})
    with app.app_context():
        assert db.session.get(User, admin_id).language is None
    page = client.get("/", headers={"Accept-Language": "ar"})
    assert 'dir="rtl"' in page.text


def test_the_sign_in_pages_choice_follows_the_user_in(client: FlaskClient, admin_id: int) -> None:
    client.post("/language", data={"language": "es", "next": "/login"})
    assert '<html lang="es"' in client.get("/login").text
    sign_in(client)
    assert '<html lang="es"' in client.get("/").text


def test_outside_a_request_messages_are_english(app: Flask) -> None:
    from flask_babel import gettext, refresh

    with app.app_context():
        refresh()
        assert gettext("Guests") == "Guests"


def test_countries_are_named_in_the_pages_language(user: FlaskClient) -> None:
    spanish = user.get("/", headers={"Accept-Language": "es"}).text
    assert '<option value="ES">España</option>' in spanish
    english = user.get("/", headers={"Accept-Language": "en"}).text
    assert '<option value="ES">Spain</option>' in english
