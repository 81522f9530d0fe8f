"""The pre-flight in the organiser's words: what reaches whom, per guest language, with a link
to the template that would change it, and never a setting's name or a SID on the page (the
technical warnings are folded away for the operator); the API's pre-flight says the same in
its `reach`, its older fields unchanged."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import MessageTemplate
from app.models.template import TemplateStatus
from tests.support.apps import fresh_app
from tests.support.constants import API_AUTH
from tests.support.dashboard import add_admin, sign_in_session, text_of
from tests.support.factories import invite, make_event, make_guests, make_inbound

SPANISH = [(f"Invitada {n}", f"+3461234560{n}") for n in range(3)]
FRENCH = [("Camille", "+33612345678")]
ENGLISH = [("Ann", "+12025550101"), ("Bob", "+12025550102")]


def approve(
    app: Flask,
    language: str,
    status: TemplateStatus = TemplateStatus.APPROVED,
    kind: str = "invitation",
) -> None:
    """The `kind` of `language` as the Messages page leaves it: approved (or not yet)."""
    sid = "HX" + language * 16
    with app.app_context():
        template = MessageTemplate(
            kind=kind,
            language=language,
            body="Hola {guest}, te invitamos a {event}. ¡Ven!",
            buttons=[],
            status=status,
            content_sid=sid,
            variables={"1": "1", "2": "2"},
            approved_sid=sid if status is TemplateStatus.APPROVED else None,
            approved_variables={"1": "1", "2": "2"} if status is TemplateStatus.APPROVED else None,
            rejection_reason="Promotional content." if status is TemplateStatus.REJECTED else None,
        )
        db.session.add(template)
        db.session.commit()


def wedding(app: Flask) -> int:
    """An event with three Spanish guests, one French and two English (by their numbers)."""
    event_id = make_event(app, "La boda")
    make_guests(app, event_id, SPANISH + FRENCH + ENGLISH)
    return event_id


def reach_lines(html: str) -> dict[str, str]:
    """The page's "who gets what", by language."""
    found = re.findall(r'data-language="(\w+)">(.*?)</li>', html, flags=re.S)
    return {language: text_of(line) for language, line in found}


def organiser_part(html: str) -> str:
    """The page's text without the folded operator's detail."""
    return text_of(re.sub(r'<details class="operator".*?</details>', "", html, flags=re.S))


def test_each_language_is_told_what_it_gets_in_plain_words(app: Flask, user: FlaskClient) -> None:
    event_id = wedding(app)
    approve(app, "es")
    make_inbound(app, from_phone="whatsapp:+12025550101")  # Ann wrote an hour ago

    html = user.get(f"/events/{event_id}/send").get_data(as_text=True)

    lines = reach_lines(html)
    assert lines["es"] == "3 guests get the approved Spanish invitation."
    assert lines["en"] == (
        "2 English guests have no approved English invitation: 1 who wrote in the last 24"
        " hours gets a plain message; the other 1 is outside WhatsApp's 24-hour window and"
        " cannot be reached until an English invitation is approved. Write the English invitation"
    )
    assert lines["fr"].startswith(
        "1 French guest has no approved French invitation and is outside WhatsApp's 24-hour"
        " window: cannot be reached until a French invitation is approved."
    )
    assert 'href="/messages/invitation/fr">Write the French invitation</a>' in html
    visible = organiser_part(html)
    assert "TWILIO_" not in visible and "PUBLIC_BASE_URL" not in visible
    assert "HX" not in visible
    assert "public address is not set (ask the operator)" in visible
    operator = re.search(r'<details class="operator".*?</details>', html, flags=re.S)
    assert operator is not None
    assert "No invitation content SID for en, fr: neither TWILIO_INVITE_CONTENT_SIDS" in (
        operator.group(0)
    )
    assert "PUBLIC_BASE_URL is not set" in operator.group(0)


def test_a_language_without_its_own_gets_the_english_one(app: Flask, user: FlaskClient) -> None:
    event_id = wedding(app)
    approve(app, "es")
    approve(app, "en")

    lines = reach_lines(user.get(f"/events/{event_id}/send").get_data(as_text=True))

    assert lines["en"] == "2 guests get the approved English invitation."
    assert lines["fr"] == (
        "1 French guest has no approved French invitation and would get the English one."
        " Write the French invitation"
    )


def test_pending_and_rejected_templates_are_said_so(app: Flask, user: FlaskClient) -> None:
    event_id = wedding(app)
    approve(app, "es", TemplateStatus.PENDING)
    approve(app, "fr", TemplateStatus.REJECTED)

    html = user.get(f"/events/{event_id}/send").get_data(as_text=True)

    lines = reach_lines(html)
    assert lines["es"] == (
        "3 Spanish guests wait for the Spanish invitation, which WhatsApp is still reviewing:"
        " the campaign can wait for its approval and starts once it is approved."
    )
    assert lines["fr"] == (
        "1 French guest would get the French invitation, which WhatsApp rejected"
        " (“Promotional content”): fix it, or the campaign cannot start. Fix the French invitation"
    )


def test_the_api_preflight_adds_its_reach(app: Flask, client: FlaskClient) -> None:
    event_id = wedding(app)
    approve(app, "es")

    path = f"/api/v1/events/{event_id}/campaigns/preflight"
    body = client.get(path, headers=API_AUTH).get_json()

    assert body["recipients"] == 6 and "warnings" in body and "estimate" in body
    by_language = {item["language"]: item for item in body["reach"]["languages"]}
    assert by_language["es"]["outcome"] == "approved"
    assert by_language["es"]["guests"] == 3
    assert (by_language["fr"]["outcome"], by_language["fr"]["fix_language"]) == ("none", "fr")
    assert by_language["en"]["in_window"] == 0


def test_the_cancellation_page_says_who_can_be_told(app: Flask, user: FlaskClient) -> None:
    event_id = make_event(app, "La boda")
    [lucia, ann] = make_guests(app, event_id, [SPANISH[0], ENGLISH[0]])
    invite(app, lucia)
    invite(app, ann)
    make_inbound(app, from_phone="whatsapp:" + ENGLISH[0][1])
    approve(app, "fr", kind="cancellation")  # a template of its own makes languages differ

    html = user.get(f"/events/{event_id}/cancel").get_data(as_text=True)

    lines = reach_lines(html)
    assert lines["en"] == (
        "1 English guest has no approved English cancellation; the guest wrote in the last 24"
        " hours, so the guest gets a plain message. Write the English cancellation"
    )
    assert lines["es"].startswith(
        "1 Spanish guest has no approved Spanish cancellation and is outside WhatsApp's"
        " 24-hour window: cannot be reached until a Spanish cancellation is approved."
    )
    assert "TWILIO_" not in organiser_part(html)


def test_when_no_language_has_its_own_one_line_says_it_for_all(
    app: Flask, user: FlaskClient
) -> None:
    event_id = wedding(app)

    lines = reach_lines(user.get(f"/events/{event_id}/send").get_data(as_text=True))

    assert lines == {
        "all": "No invitation is approved in any language: 6 guests get a plain message, which"
        " reaches only those who wrote in the last 24 hours; the others cannot be reached until"
        " one is approved. Write the English invitation"
    }


def test_a_send_past_the_daily_tier_is_said_in_plain_words(migrated: dict[str, str]) -> None:
    with fresh_app({**migrated, "SEND_DAILY_TIER": "4"}, WTF_CSRF_ENABLED=False) as app:
        user = app.test_client()
        sign_in_session(user, add_admin(app))
        page = user.get(f"/events/{wedding(app)}/send").text
        said = organiser_part(page)
        assert "This is more than your WhatsApp number may send in 24 hours" in said
        # The sender's figures are folded for whoever runs the service.
        assert "Fits the daily tier" not in said and "Throughput" not in said
        assert 'data-stat="fits-tier">No' in page
    with fresh_app(migrated, WTF_CSRF_ENABLED=False) as app:
        user = app.test_client()
        sign_in_session(user, add_admin(app))
        page = user.get(f"/events/{wedding(app)}/send").text
        assert 'id="preflight-limits"' not in page
