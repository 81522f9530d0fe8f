"""Passes through the inbound webhook: a settled yes brings a pass (its words in the reply,
its QR image as the reply's media, decoded back to its code), a decline or a new party voids
it (a new one comes with the next yes), "pass" sends it again, and an event without passes,
a guest still to say how many and a waitlisted guest get none, until a claimed seat."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import pytest
import zxingcpp
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from tests.support.constants import API_AUTH
from tests.support.database import execute, scalar
from tests.support.factories import Seeded, invite, make_event, make_guests, seed
from tests.support.webhooks import INBOUND, asked_apart, button_form, inbound_form, signed_post

PHONE = "+14155550100"
SPANISH = "+34612345678"
SHOWN = re.compile(r"[A-Z2-9]{4}-[A-Z2-9]{4}")


def say(client: FlaskClient, body: str, phone: str = PHONE) -> tuple[str | None, str | None]:
    """Post a typed message; the reply's text and its media URL."""
    response = signed_post(client, INBOUND, inbound_form(phone, body))
    assert response.status_code == 200
    message = ET.fromstring(response.data).find("Message")
    if message is None:
        return None, None
    body_node, media = message.find("Body"), message.find("Media")
    text = body_node.text if body_node is not None else message.text
    return text, media.text if media is not None else None


def with_passes(app: Flask, phone: str = PHONE, plus_ones: int = 0) -> Seeded:
    """An invited guest of an event that gives passes."""
    found = seed(app, phone)
    execute(
        app,
        "UPDATE events SET passes = true, plus_ones = :n WHERE id = :e",
        n=plus_ones,
        e=found.event_id,
    )
    return found


def pass_code(app: Flask) -> str | None:
    """The guest's stored pass code."""
    code: str | None = scalar(app, "SELECT pass_code FROM guests")
    return code


def decoded(client: FlaskClient, media_url: str) -> str:
    """The text the QR code of the image at `media_url` holds."""
    response = client.get(media_url.removeprefix("http://localhost"))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/png"
    [found] = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.data)))
    return str(found.text)


def test_a_yes_brings_a_pass_whose_image_holds_its_code(app: Flask, client: FlaskClient) -> None:
    with_passes(app)
    text, media = say(client, "Yes!")
    code = pass_code(app)
    assert code is not None and text is not None and media is not None
    shown = f"{code[:4]}-{code[4:]}"
    assert text.endswith(f"Your pass for 1 person: {shown}. Show it at the door.")
    token = scalar(app, "SELECT page_token FROM guests")
    assert media == f"http://localhost/e/{token}/pass/{code}.png"
    assert decoded(client, media) == shown
    # Saying yes again keeps the pass and sends nothing new.
    again, again_media = say(client, "yes, see you there")
    assert again_media is None and "pass" not in (again or "")
    assert pass_code(app) == code


def test_a_decline_voids_the_pass_and_the_next_yes_gives_a_new_one(
    app: Flask, client: FlaskClient
) -> None:
    with_passes(app)
    _, first_media = say(client, "yes")
    first = pass_code(app)
    say(client, "sorry, we can't come after all")
    assert pass_code(app) is None
    assert first_media is not None
    assert client.get(first_media.removeprefix("http://localhost")).status_code == 404
    _, media = say(client, "actually yes, I'll be there")
    assert pass_code(app) not in (None, first)
    assert media is not None and media != first_media


def test_a_new_party_gets_a_new_pass(app: Flask, client: FlaskClient) -> None:
    with_passes(app, plus_ones=3)
    text, media = say(client, "yes")
    assert media is None and text is not None and "pass" not in text  # the party first
    assert asked_apart(app)[0].startswith("How many")  # asked apart, with buttons
    text, media = say(client, "2")
    first = pass_code(app)
    assert first is not None and media is not None
    assert text is not None and "Your pass for 2 people" in text
    text, media = say(client, "we'll be 3 now")
    assert media is not None and text is not None and "Your pass for 3 people" in text
    assert pass_code(app) not in (None, first)


def test_the_organiser_changing_the_party_voids_the_pass_and_queues_the_new_one(
    app: Flask, client: FlaskClient
) -> None:
    found = with_passes(app, plus_ones=2)
    say(client, "yes, we'll be 2")
    old = pass_code(app)
    assert old is not None
    patched = client.patch(
        f"/api/v1/guests/{found.guest_id}", json={"party_size": 3}, headers=API_AUTH
    )
    assert patched.status_code == 200
    new = pass_code(app)
    assert new is not None and new != old  # the old one is void; the engine sends the new
    queued = scalar(app, "SELECT pass_code FROM invitations WHERE kind = 'pass'")
    assert queued == new


@pytest.mark.parametrize(
    ("phone", "asked"), [(PHONE, "pass"), (SPANISH, "Pase?"), (PHONE, "my pass")]
)
def test_writing_pass_sends_it_again(
    app: Flask, client: FlaskClient, phone: str, asked: str
) -> None:
    with_passes(app, phone)
    _, first = say(client, "yes" if phone == PHONE else "sí", phone)
    text, media = say(client, asked, phone)
    assert media == first
    assert text is not None and SHOWN.search(text)
    assert ("Tu pase para 1 persona" in text) == (phone == SPANISH)


def test_a_guest_without_a_pass_is_told_it_comes_with_their_yes(
    app: Flask, client: FlaskClient
) -> None:
    with_passes(app)
    text, media = say(client, "pass")
    assert (text, media) == ("You have no pass yet: it comes with your yes.", None)


def test_an_event_without_passes_gives_none(app: Flask, client: FlaskClient) -> None:
    seed(app, PHONE)
    text, media = say(client, "yes")
    assert media is None and text is not None and "pass" not in text
    assert say(client, "pass") == (None, None)  # plain text for the inbox
    assert pass_code(app) is None


def test_a_waitlisted_guest_gets_no_pass(app: Flask, client: FlaskClient) -> None:
    found = with_passes(app)
    execute(app, "UPDATE events SET capacity = 0 WHERE id = :e", e=found.event_id)
    text, media = say(client, "yes")
    assert media is None and text is not None and "waitlist" in text
    assert pass_code(app) is None


def test_a_claimed_seat_brings_the_pass(app: Flask, client: FlaskClient) -> None:
    event_id = make_event(app, capacity=1, passes=True)
    first, second = make_guests(app, event_id, [("Ana", PHONE), ("Bo", SPANISH)])
    for guest_id in (first, second):
        invite(app, guest_id)
    say(client, "yes")  # seated, with a pass
    text, media = say(client, "sí", SPANISH)  # waitlisted: none yet
    assert media is None and text is not None and "espera" in text
    say(client, "sorry, I can't come after all")  # frees the seat: Bo is offered it
    response = signed_post(client, INBOUND, button_form(SPANISH, "claim", "Claim"))
    message = ET.fromstring(response.data).find("Message")
    assert message is not None
    body, media_node = message.find("Body"), message.find("Media")
    assert body is not None and "Tu pase para 1 persona" in (body.text or "")
    assert media_node is not None and (media_node.text or "").endswith(".png")
    codes = scalar(app, "SELECT pass_code FROM guests WHERE id = :g", g=second)
    assert codes is not None
