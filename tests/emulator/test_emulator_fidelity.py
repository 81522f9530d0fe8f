"""Where the service's correctness depends on Twilio's behaviour, the emulator behaves the same.

- A message waits `queued` with no `date_sent` until it is sent; `DateSent` filters leave
  it out meanwhile.
- The TwiML a webhook answers is sent: each `<Message>` is listed as an `outbound-reply`,
  with the images of its `<Media>` nouns.
- A content template's message shows its rendered text in `body`.
- Two fault modes where the client times out: stored-but-late and lost-and-late.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
import requests
from twilio.rest import Client

from tests.support.constants import SENDER, TEMPLATE_SID
from tests.support.emulator import Emulator
from tests.support.polling import eventually
from tests.support.receiver import Receiver

pytestmark = pytest.mark.slow

GUEST = "whatsapp:+12025550123"
INBOUND_PATH = "/webhooks/twilio/inbound"


def test_a_queued_message_has_no_date_sent_and_date_filters_leave_it_out(
    twilio_client: Client, emulator: Emulator
) -> None:
    emulator.configure(queue_delay="1.5")
    since = datetime.now(UTC) - timedelta(seconds=5)
    sid = twilio_client.messages.create(to=GUEST, from_=SENDER, body="hello").sid

    queued = twilio_client.messages(sid).fetch()
    assert queued.status == "queued" and queued.date_sent is None
    assert twilio_client.messages.list(to=GUEST, date_sent_after=since) == []
    assert [m.sid for m in twilio_client.messages.list(to=GUEST)] == [sid]

    assert eventually(lambda: twilio_client.messages(sid).fetch().date_sent is not None, 5)
    assert [m.sid for m in twilio_client.messages.list(to=GUEST, date_sent_after=since)] == [sid]


def test_the_twiml_answer_to_a_webhook_is_listed_as_an_outbound_reply(
    twilio_client: Client, emulator: Emulator, receiver: Receiver
) -> None:
    receiver.answers[INBOUND_PATH] = (
        b"<?xml version='1.0' encoding='UTF-8'?>"
        b"<Response><Message>Thanks, see you there!</Message></Response>"
    )
    sid = twilio_client.messages.create(to=GUEST, from_=SENDER, body="invitation").sid

    answer = emulator.post(
        "/reply", {"from": GUEST, "text": "yes", "url": receiver.base_url + INBOUND_PATH}
    )

    assert answer.status_code == 200
    listed = twilio_client.messages.list(to=GUEST, from_=SENDER)
    assert [m.direction for m in listed] == ["outbound-reply", "outbound-api"]
    reply = listed[0]
    assert reply.body == "Thanks, see you there!" and reply.sid != sid
    assert reply.date_sent is not None
    # What the API accepted is counted; the TwiML answer is not.
    assert emulator.get("/counts")["counts"] == {GUEST: 1}
    assert emulator.get("/stats")["accepted_total"] == 1


def test_a_twiml_answer_with_media_is_listed_with_its_images(
    twilio_client: Client, emulator: Emulator, receiver: Receiver
) -> None:
    image = "https://invites.example.com/e/token/pass/K7QM2XDP.png"
    receiver.answers[INBOUND_PATH] = (
        b"<?xml version='1.0' encoding='UTF-8'?><Response><Message>"
        b"<Body>Your pass: K7QM-2XDP</Body><Media>" + image.encode() + b"</Media>"
        b"</Message></Response>"
    )
    twilio_client.messages.create(to=GUEST, from_=SENDER, body="invitation")

    emulator.post("/reply", {"from": GUEST, "text": "yes", "url": receiver.base_url + INBOUND_PATH})

    reply = twilio_client.messages.list(to=GUEST, from_=SENDER)[0]
    assert (reply.direction, reply.body, reply.num_media) == (
        "outbound-reply",
        "Your pass: K7QM-2XDP",
        "1",
    )
    listed = emulator.get("/messages")["messages"]
    assert [m["media_urls"] for m in listed if m["direction"] == "outbound-reply"] == [[image]]


def test_a_content_message_shows_its_rendered_template_in_body(
    twilio_client: Client, emulator: Emulator
) -> None:
    emulator.configure(content_templates={TEMPLATE_SID: "Hi {{1}}, come to {{2}}!"})

    message = twilio_client.messages.create(
        to=GUEST,
        from_=SENDER,
        content_sid=TEMPLATE_SID,
        content_variables='{"1": "Ana", "2": "the Gala"}',
    )

    assert message.body == "Hi Ana, come to the Gala!"
    assert twilio_client.messages(message.sid).fetch().body == "Hi Ana, come to the Gala!"


def test_a_slow_answer_is_stored_and_a_lost_one_is_not(emulator: Emulator) -> None:
    form = {"To": GUEST, "From": SENDER, "Body": "x"}
    emulator.configure(slow_rate=1.0, slow_delay=1.0)
    with pytest.raises(requests.Timeout):
        emulator.session.post(emulator.messages_url, data=form, auth=emulator.auth, timeout=0.3)
    assert eventually(lambda: emulator.get("/stats")["accepted_total"] == 1, 3)

    emulator.configure(slow_rate=0.0, lost_rate=1.0)
    started = time.monotonic()
    late = emulator.create(**form)
    assert late.status_code == 502 and time.monotonic() - started >= 1.0
    with pytest.raises(requests.Timeout):
        emulator.session.post(emulator.messages_url, data=form, auth=emulator.auth, timeout=0.3)
    time.sleep(1.2)
    stats = emulator.get("/stats")
    assert stats["accepted_total"] == 1
    assert stats["faults"]["lost"] == 2
