"""Templates the organiser wrote, through the emulator's Content API: submitted and followed by
the sweep, sent by the engine once approved (the environment's SIDs winning), and a campaign
that waits for WhatsApp's answer: started on an approval, refused with the reason on a
rejection."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from flask import Flask

from app.extensions import db
from app.models import MessageKind, MessageTemplate
from app.sending.approved import load_approved
from app.sending.message import Invitee, MessageDefaults, build_params
from app.services import campaigns, templates
from app.services.template_sync import sync_templates
from app.tasks.sending import run_sweep
from tests.support.apps import fresh_app
from tests.support.constants import API_AUTH, TEMPLATE_SID
from tests.support.dashboard import add_admin, sign_in_session
from tests.support.database import query
from tests.support.emulator import Emulator
from tests.support.factories import make_event, make_guests
from tests.support.polling import eventually

pytestmark = pytest.mark.slow

# Numbered in order of first use: guest {{1}}, page_url {{2}}, event {{3}}.
SPANISH = "Hola {guest}, tu invitación está en {page_url} y te esperamos en {event}. ¡Ven!"
BUTTONS = (("yes", "Sí"), ("no", "No"), ("maybe", "Quizás"))


@pytest.fixture
def app(send_env: dict[str, str], sending_knobs: dict[str, str]) -> Iterator[Flask]:
    """The engine's app (TWILIO_INVITE_CONTENT_SID set), in an app context."""
    with fresh_app(send_env) as app, app.app_context():
        yield app


def write(language: str = "es", body: str = SPANISH) -> MessageTemplate:
    """Save the invitation of `language` from the dashboard's side."""
    draft = templates.Draft(MessageKind.INVITATION, language, body, BUTTONS)
    return templates.save(draft)


def status_of(app: Flask) -> tuple[str, str | None]:
    """The Spanish invitation's status and rejection reason."""
    [row] = query(app, "SELECT status, rejection_reason FROM message_templates")
    return row.status, row.rejection_reason


def synced_until(app: Flask, status: str) -> bool:
    """Sync again and again until the template reaches `status`."""

    def reached() -> bool:
        sync_templates(app.config["SETTINGS"])
        db.session.expire_all()
        return status_of(app)[0] == status

    return eventually(reached, 10, 0.2)


def test_a_template_is_submitted_approved_and_sent_with_its_own_numbering(
    app: Flask, emulator: Emulator
) -> None:
    emulator.configure(content_approval_delay="0.3")
    write()

    assert sync_templates(app.config["SETTINGS"]) == 1
    assert status_of(app) == ("pending", None)
    [content] = emulator.get("/contents")["contents"]
    assert (content["status"], content["category"]) == ("pending", "UTILITY")
    assert content["name"].startswith("invitation_es_")
    assert synced_until(app, "approved")

    defaults = MessageDefaults.from_settings(app.config["SETTINGS"], None, 3600)
    defaults = defaults.with_approved(load_approved(db.session.connection()))
    guest = Invitee("Lucía", "+34612345678", "la boda", language="es", page_token="tok")
    params = build_params(defaults, guest)
    assert params["ContentSid"] == content["sid"]
    assert json.loads(params["ContentVariables"]) == {
        "1": "Lucía",
        "2": "https://invites.example.org/e/tok",
        "3": "la boda",
    }
    english = build_params(defaults, Invitee("Ann", "+12025550100", "the wedding"))
    assert english["ContentSid"] == TEMPLATE_SID  # the environment's single SID, for others

    created = emulator.create(**params)
    assert created.status_code == 201, created.text
    assert created.json()["body"] == (
        "Hola Lucía, tu invitación está en https://invites.example.org/e/tok"
        " y te esperamos en la boda. ¡Ven!"
    )


def test_the_environment_sid_of_a_language_wins(
    send_env: dict[str, str], sending_knobs: dict[str, str], emulator: Emulator
) -> None:
    spanish_sid = "HX" + "e" * 32
    env = {**send_env, "TWILIO_INVITE_CONTENT_SIDS": f"es={spanish_sid}"}
    emulator.configure(content_approval_delay="0")
    with fresh_app(env) as app, app.app_context():
        write()
        assert synced_until(app, "approved")
        defaults = MessageDefaults.from_settings(app.config["SETTINGS"], None, 3600)
        defaults = defaults.with_approved(load_approved(db.session.connection()))
        params = build_params(defaults, Invitee("Lucía", "+34612345678", "la boda", language="es"))

    assert params["ContentSid"] == spanish_sid
    assert set(json.loads(params["ContentVariables"])) >= {"1", "2"}  # the engine's numbering


def waiting_campaign(app: Flask) -> int:
    """A Spanish guest's invitation campaign, created while the Spanish template is reviewed."""
    event_id = make_event(app, "la boda")
    make_guests(app, event_id, [("Lucía", "+34612345678")])
    campaign, _ = campaigns.create_campaign(event_id)
    return campaign.id


def campaign_row(app: Flask, campaign_id: int) -> tuple[str, str | None]:
    """A campaign's state and note."""
    [row] = query(app, "SELECT state, note FROM campaigns WHERE id = :c", c=campaign_id)
    return row.state, row.note


def test_a_campaign_waits_for_the_approval_then_starts(app: Flask, emulator: Emulator) -> None:
    emulator.configure(content_approval_delay="60")
    write()
    sync_templates(app.config["SETTINGS"])

    campaign_id = waiting_campaign(app)

    state, note = campaign_row(app, campaign_id)
    assert state == "scheduled"
    assert note == "Waiting for WhatsApp to approve the Spanish invitation"
    assert run_sweep(app).started == 0
    [content] = emulator.get("/contents")["contents"]
    emulator.control("/review", {"sid": content["sid"], "status": "approved"})

    report = run_sweep(app)

    assert (report.templates, report.started) == (1, 1)
    assert campaign_row(app, campaign_id)[0] == "running"


def test_a_rejection_while_a_campaign_waits_refuses_it_with_metas_reason(
    app: Flask, emulator: Emulator
) -> None:
    emulator.configure(content_approval_delay="60")
    write()
    sync_templates(app.config["SETTINGS"])
    campaign_id = waiting_campaign(app)
    [content] = emulator.get("/contents")["contents"]
    reason = "The template's content is promotional for its category."
    emulator.control(
        "/review", {"sid": content["sid"], "status": "rejected", "rejection_reason": reason}
    )

    run_sweep(app)

    assert status_of(app) == ("rejected", reason)
    state, note = campaign_row(app, campaign_id)
    assert state == "canceled"
    assert note == (
        "Not started: WhatsApp rejected the Spanish invitation (“The template's content is"
        " promotional for its category”), which guests of this campaign would get; fix it on"
        " the Messages page"
    )
    assert query(app, "SELECT id FROM invitations") == []
    status = app.test_client().get(f"/api/v1/campaigns/{campaign_id}", headers=API_AUTH)
    [held] = status.get_json()["held_by"]
    assert (held["language"], held["status"], held["reason"]) == ("es", "rejected", reason)
    assert held["fix_language"] == "es"
    organiser = app.test_client()
    sign_in_session(organiser, add_admin(app))
    page = organiser.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert 'href="/messages/invitation/es">Fix the Spanish invitation</a>' in page
    with pytest.raises(campaigns.ConflictError, match="WhatsApp rejected"):
        waiting_campaign(app)


def english_campaign(app: Flask) -> int:
    """An invitation campaign of an event whose only guest writes English."""
    event_id = make_event(app, "the launch")
    make_guests(app, event_id, [("Ann", "+12025550123")])
    campaign, _ = campaigns.create_campaign(event_id)
    return campaign.id


def test_a_template_under_review_holds_only_the_campaigns_with_its_guests(
    app: Flask, emulator: Emulator
) -> None:
    emulator.configure(content_approval_delay="60")
    write()
    sync_templates(app.config["SETTINGS"])

    spanish, english = waiting_campaign(app), english_campaign(app)

    assert campaign_row(app, spanish)[0] == "scheduled"
    assert campaign_row(app, english) == ("running", None)  # the environment's template
    [content] = emulator.get("/contents")["contents"]
    emulator.control("/review", {"sid": content["sid"], "status": "rejected"})
    run_sweep(app)
    assert campaign_row(app, spanish)[0] == "canceled"
    assert english_campaign(app)  # a rejected Spanish invitation holds back no English guest
    with pytest.raises(campaigns.ConflictError, match="rejected the Spanish invitation"):
        waiting_campaign(app)


def test_twilio_refusing_the_request_marks_it_failed_with_its_words(
    app: Flask, emulator: Emulator
) -> None:
    write()
    db.session.execute(db.update(MessageTemplate).values(language="x1"))
    db.session.commit()

    sync_templates(app.config["SETTINGS"])

    status, reason = status_of(app)
    assert status == "failed"
    assert reason is not None and "20001" in reason and "language" in reason
