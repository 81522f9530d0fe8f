"""A guest's pass sent by the engine outside a reply, once per pass: a yes recorded by hand, a
new party (which voids the old pass), an event change told to guests; free-form media inside
the guest's 24-hour window, else the `pass` media template (the environment's, or the Messages
page's, whose media URL the emulator fills with the image's path); neither: refused.

tests/sending/test_pass_processes.py sends them through a worker's kill -9.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask

from app.extensions import db
from app.models import MessageKind
from app.services import (
    conversations,
    event_changes,
    event_edits,
    guest_edits,
    passes,
    rsvps,
    templates,
)
from app.services.event_changes import Audience
from app.services.template_sync import sync_templates
from app.tasks.sending import send_due_invitations
from tests.support.apps import fresh_app
from tests.support.database import execute, query, scalar
from tests.support.emulator import Emulator
from tests.support.factories import ago, invite, make_event, make_guests, make_inbound, phone
from tests.support.polling import eventually

pytestmark = pytest.mark.slow

PASS_SID = "HX" + "5" * 32
BASE = "https://invites.example.org"
START = datetime(2030, 6, 5, 17, 30, tzinfo=UTC)


@pytest.fixture
def app(send_env: dict[str, str], sending_knobs: dict[str, str]) -> Iterator[Flask]:
    """The engine's app, with no pass template in its environment."""
    with fresh_app(send_env) as app, app.app_context():
        yield app


def guest_of_event(app: Flask, n: int = 0, **invitation: object) -> tuple[int, int]:
    """An event giving passes (start, venue) and one of its guests invited; their ids."""
    event_id = make_event(app, "Gala", passes=True, starts_at=START, venue="Hall", plus_ones=3)
    [guest_id] = make_guests(app, event_id, [(f"Ann {n}", phone(n))])
    invite(app, guest_id, **invitation)
    return event_id, guest_id


def wrote(app: Flask, guest_id: int, n: int = 0, hours_ago: float = 0) -> int:
    """The guest wrote to the service `hours_ago`; the message's id."""
    return make_inbound(
        app, from_phone=f"whatsapp:{phone(n)}", guest_id=guest_id, received_at=ago(hours=hours_ago)
    )


def pass_rows(app: Flask) -> list[tuple[str, str, int]]:
    """Each pass message: the pass it carries, its state and its round."""
    rows = query(
        app, "SELECT pass_code, send_state, round FROM invitations WHERE kind = 'pass' ORDER BY id"
    )
    return [(row.pass_code, row.send_state, row.round) for row in rows]


def code_of(app: Flask, guest_id: int) -> str | None:
    """The guest's valid pass, if any."""
    found: str | None = scalar(app, "SELECT pass_code FROM guests WHERE id = :g", g=guest_id)
    return found


def token_of(app: Flask, guest_id: int) -> str:
    """The guest's page token."""
    return str(scalar(app, "SELECT page_token FROM guests WHERE id = :g", g=guest_id))


def test_a_yes_recorded_by_hand_sends_the_pass_as_media_inside_the_window_once(
    app: Flask, emulator: Emulator
) -> None:
    _, guest_id = guest_of_event(app)
    message_id = wrote(app, guest_id)  # "Sí, claro" the service could not read: window open

    rsvps.answer_message(message_id, "confirmed")
    rsvps.answer_message(message_id, "confirmed")  # recorded twice: the pass is the same

    code = code_of(app, guest_id)
    assert code is not None
    assert pass_rows(app) == [(code, "pending", 0)]
    assert send_due_invitations()["accepted"] == 1
    [message] = emulator.messages()
    assert message["body"] == (
        f"Hi Ann 0, your pass for Gala: 1 person, {code[:4]}-{code[4:]}. Show it at the door."
    )
    assert message["media_urls"] == [f"{BASE}/e/{token_of(app, guest_id)}/pass/{code}.png"]
    assert message["content_sid"] in (None, "")
    assert pass_rows(app) == [(code, "accepted", 0)]
    assert passes.image(token_of(app, guest_id), code) is not None  # the URL serves it


def test_a_new_party_voids_the_pass_and_sends_the_new_one_as_the_template_outside_the_window(
    send_env: dict[str, str], sending_knobs: dict[str, str], emulator: Emulator
) -> None:
    with fresh_app({**send_env, "TWILIO_PASS_CONTENT_SID": PASS_SID}) as app, app.app_context():
        _, guest_id = guest_of_event(app, rsvp="confirmed")
        wrote(app, guest_id, hours_ago=30)  # their last message: the window is closed
        old = passes.issue(guest_id)
        assert old is not None

        guest_edits.update_guest(guest_id, {"party_size": 3}, "US")
        guest_edits.update_guest(guest_id, {"name": "Ann B"}, "US")  # no new party: nothing

        code = code_of(app, guest_id)
        assert code is not None and code != old.code
        assert passes.image(token_of(app, guest_id), old.code) is None  # void
        assert send_due_invitations()["accepted"] == 1
        [message] = emulator.messages()
        assert message["content_sid"] == PASS_SID
        variables = json.loads(message["content_variables"])
        assert variables["1"] == "Ann B" and variables["2"] == "Gala"
        assert variables["party"] == "3 people"
        assert variables["code"] == f"{code[:4]}-{code[4:]}"
        assert variables["pass_path"] == f"{token_of(app, guest_id)}/pass/{code}.png"


def test_without_a_template_a_guest_outside_the_window_is_not_sent_their_pass(
    app: Flask, emulator: Emulator
) -> None:
    _, guest_id = guest_of_event(app, rsvp="confirmed")
    passes.issue(guest_id)

    guest_edits.update_guest(guest_id, {"party_size": 2}, "US")
    send_due_invitations()

    assert emulator.messages() == []
    [row] = query(app, "SELECT send_state, error_code, error_reason FROM invitations"
                  " WHERE kind = 'pass'")  # fmt: skip
    assert (row.send_state, row.error_code) == ("failed", 63016)
    assert "No approved pass template" in row.error_reason
    # The guest's conversation in the dashboard says so, with the pass's words.
    [told] = [m for m in conversations.thread(guest_id).messages if m.kind == "pass"]
    assert told.status == "failed" and told.error is not None
    assert "No approved pass template" in told.error
    code = code_of(app, guest_id)
    assert code is not None and told.body is not None and code[:4] in told.body


def test_a_pass_voided_before_its_message_went_is_withdrawn_and_the_new_one_sent(
    app: Flask, emulator: Emulator
) -> None:
    _, guest_id = guest_of_event(app, rsvp="confirmed")
    wrote(app, guest_id)
    passes.issue(guest_id)
    guest_edits.update_guest(guest_id, {"party_size": 2}, "US")
    guest_edits.update_guest(guest_id, {"party_size": 3}, "US")

    assert send_due_invitations()["accepted"] == 1

    code = code_of(app, guest_id)
    states = {c: state for c, state, _ in pass_rows(app)}
    assert states[code] == "accepted" and sorted(states.values()) == ["accepted", "canceled"]
    [message] = emulator.messages()
    assert code in message["media_urls"][0] and "3 people" in message["body"]


def test_an_event_change_told_to_guests_sends_each_holder_their_pass_again_once(
    app: Flask, emulator: Emulator
) -> None:
    event_id, guest_id = guest_of_event(app, rsvp="confirmed")
    wrote(app, guest_id)
    code = passes.issue(guest_id)
    assert code is not None
    execute(app, "UPDATE invitations SET delivered_at = now() - interval '2 days'")

    event_edits.update_event(event_id, {"starts_at": START + timedelta(hours=2)})
    event_changes.notify_change(event_id, Audience())
    event_changes.notify_change(event_id, Audience())  # confirmed again: nothing new

    assert pass_rows(app) == [(code.code, "pending", 1)]
    assert send_due_invitations()["accepted"] == 2  # the update and the pass
    [update] = [m for m in emulator.messages() if not m["media_urls"]]
    [again] = [m for m in emulator.messages() if m["media_urls"]]
    assert "has changed" in update["body"]
    assert again["media_urls"] == [f"{BASE}/e/{token_of(app, guest_id)}/pass/{code.code}.png"]


def test_the_messages_pages_pass_template_is_a_media_template_the_emulator_fills(
    app: Flask, emulator: Emulator
) -> None:
    body = "Hi {guest}, your pass for {event} on {when} is for {party}, code {code}. See you!"
    templates.save(templates.Draft(MessageKind.PASS, "en", body, ()))
    sync_templates(app.config["SETTINGS"])
    [content] = emulator.get("/contents")["contents"]
    fetched = emulator.session.get(
        f"{emulator.url}/v1/Content/{content['sid']}", auth=emulator.auth, timeout=10
    ).json()
    assert fetched["types"]["twilio/media"]["media"] == [f"{BASE}/e/{{{{6}}}}"]
    assert fetched["variables"]["6"] == "sample/pass/K7QM2XDP.png"
    emulator.control("/review", {"sid": content["sid"], "status": "approved"})

    def approved() -> bool:
        sync_templates(app.config["SETTINGS"])
        db.session.expire_all()
        return query(app, "SELECT status FROM message_templates")[0].status == "approved"

    assert eventually(approved, 10, 0.2)
    _, guest_id = guest_of_event(app, rsvp="confirmed")
    passes.issue(guest_id)
    guest_edits.update_guest(guest_id, {"party_size": 2}, "US")  # window closed: the template

    assert send_due_invitations()["accepted"] == 1

    code = code_of(app, guest_id)
    assert code is not None
    [message] = emulator.messages()
    assert message["content_sid"] == content["sid"]
    assert message["media_urls"] == [f"{BASE}/e/{token_of(app, guest_id)}/pass/{code}.png"]
    assert message["body"].startswith("Hi Ann 0, your pass for Gala on ")
    assert message["body"].endswith(f" is for 2 people, code {code[:4]}-{code[4:]}. See you!")


def test_the_updates_pre_flight_names_the_holders_a_new_pass_could_not_reach(
    app: Flask, emulator: Emulator
) -> None:
    event_id, guest_id = guest_of_event(app, rsvp="confirmed")
    passes.issue(guest_id)
    [other] = make_guests(app, event_id, [("Bea", phone(1))])
    invite(app, other, rsvp="confirmed")
    passes.issue(other)
    wrote(app, other, n=1)  # Bea wrote an hour ago: her pass goes as free-form media
    event_edits.update_event(event_id, {"venue": "Roof"})

    plan, found = event_changes.explained_update(event_id, Audience())

    assert plan.recipients == 2
    assert any(
        note.startswith("1 of the 2 guests holding a pass will not get their new one")
        for note in found.notes
    ), found.notes
