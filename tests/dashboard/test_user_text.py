"""User-written text on the pages: isolated, controls visible, marks capped, never blank."""

from __future__ import annotations

import re
import unicodedata

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import Markup

from app.dashboard.text import user_line, user_text
from app.services.user_text import BIDI_CONTROLS, MAX_MARKS, cap_marks, plain_text
from tests.support.factories import make_event, make_guests, make_inbound

SPOOF = "Admin\u202egnp.exe"  # reads "Adminexe.png" when the override is obeyed
ZALGO = "Z" + "\u0351" * 190 + "algo"
ARABIC = "\u0645\u064f\u062d\u064e\u0645\u0651\u064e\u062f"  # مُحَمَّد, harakat and shadda
VIETNAMESE = unicodedata.normalize("NFD", "Nguyễn Thị Ánh")  # up to 2 marks per letter
CONTROL_MARK = re.compile(r'<span class="text-mark" dir="ltr" title="([^"]*)">([A-Z]+)</span>')
BIDI = re.compile(f"[{''.join(BIDI_CONTROLS)}]")


def test_a_bidi_override_is_shown_as_a_mark_and_reorders_nothing() -> None:
    shown = user_text(SPOOF)
    assert shown == Markup(
        '<bdi dir="auto" class="user-text" title="Admin[RLO]gnp.exe">Admin'
        '<span class="text-mark" dir="ltr" title="U+202E RIGHT-TO-LEFT OVERRIDE: an invisible'
        ' character that reorders the text after it">RLO</span>gnp.exe</bdi>'
    )


@pytest.mark.parametrize(("char", "short"), BIDI_CONTROLS.items())
def test_every_bidi_control_is_named_and_removed(char: str, short: str) -> None:
    shown = user_text(f"a{char}b")
    assert char not in shown
    mark = CONTROL_MARK.search(shown)
    assert mark is not None
    assert mark.groups() == (
        f"U+{ord(char):04X} {unicodedata.name(char)}: an invisible character that reorders"
        " the text after it",
        short,
    )


@pytest.mark.parametrize("text", ["\u200b\u200b", "\ufeff\u2060", "\u202e", "\u3164", "\u034f"])
def test_invisible_text_is_said_to_be(text: str) -> None:
    shown = user_text(text)
    assert ">(invisible text)</span></bdi>" in shown
    assert f"U+{ord(text[0]):04X} {unicodedata.name(text[0])}" in shown
    assert plain_text(text) == "(invisible text)"


def test_combining_marks_are_capped_per_character() -> None:
    assert cap_marks(ZALGO) == "Z" + "\u0351" * MAX_MARKS + "algo"
    assert user_text(ZALGO).count("\u0351") == 2 * MAX_MARKS  # the text and its title
    # A joiner between marks does not start a new character.
    assert cap_marks("a" + "\u0351\u200d" * 10) == "a" + "\u0351\u200d" * 4 + "\u200d" * 6


@pytest.mark.parametrize("name", [ARABIC, VIETNAMESE, "ليلى أحمد", "\U0001f468\u200d\U0001f469"])
def test_scripts_that_need_marks_and_joiners_are_shown_as_written(name: str) -> None:
    assert user_text(name) == Markup(
        f'<bdi dir="auto" class="user-text" title="{name}">{name}</bdi>'
    )


def test_text_is_escaped_in_the_element_and_its_title() -> None:
    shown = user_text('<script>"x"</script>')
    assert "<script>" not in shown
    assert 'title="&lt;script&gt;&#34;x&#34;&lt;/script&gt;"' in shown


def test_wrapped_text_has_no_title_and_nothing_is_nothing() -> None:
    assert user_text("long\nmessage", wrap=True) == Markup(
        '<bdi dir="auto" class="user-text-wrap">long\nmessage</bdi>'
    )
    assert user_text(None) == user_text("") == Markup("")


def test_a_line_as_written_isolates_each_field() -> None:
    assert user_line("ليلى أحمد, 12\u202e") == Markup(
        '<bdi dir="auto" class="user-text-wrap">ليلى أحمد</bdi>, '
        '<bdi dir="auto" class="user-text-wrap">12<span class="text-mark" dir="ltr" title="U+202E'
        ' RIGHT-TO-LEFT OVERRIDE: an invisible character that reorders the text after it">RLO'
        "</span></bdi>"
    )


def test_pages_never_send_a_bidi_control(app: Flask, user: FlaskClient) -> None:
    event_id = make_event(app, "Gala\u2067 night", venue="Hall\u202d 1")
    guest_id, _ = make_guests(app, event_id, [(SPOOF, "+971501234567"), (ZALGO, "+34612345678")])
    make_inbound(
        app,
        from_phone="whatsapp:+971501234567",
        body="yes\u202e please",
        profile_name="\u2066x",
        guest_id=guest_id,
        event_id=event_id,
    )
    for path in ("/", f"/events/{event_id}", "/inbox", f"/events/{event_id}/send"):
        html = user.get(path).get_data(as_text=True)
        assert not BIDI.search(html), (path, BIDI.findall(html))
        assert "\u0351" * (MAX_MARKS + 1) not in html
        assert CONTROL_MARK.search(html), path
