"""WhatsApp's part: signed status callbacks, 63024 failures, guest replies, auto-replies."""

from __future__ import annotations

import pytest
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from app.emulator.guests import PHRASES
from tests.support.constants import SENDER, TEMPLATE_SID
from tests.support.emulator import Emulator
from tests.support.polling import eventually
from tests.support.receiver import Received, Receiver

pytestmark = pytest.mark.slow

GUEST = "whatsapp:+12025550123"
STATUS_PATH = "/webhooks/twilio/status"
INBOUND_PATH = "/webhooks/twilio/inbound"


def is_signed(request: Received, token: str) -> bool:
    """Return whether a received webhook carries a valid X-Twilio-Signature."""
    validator = RequestValidator(token)
    return validator.validate(request.url, request.form, request.headers["X-Twilio-Signature"])


def send(client: Client, receiver: Receiver, to: str = GUEST, query: str = "") -> str:
    """Send a template invitation with a status callback; return its SID."""
    message = client.messages.create(
        to=to,
        from_=SENDER,
        content_sid=TEMPLATE_SID,
        content_variables='{"1": "Ana"}',
        status_callback=f"{receiver.base_url}{STATUS_PATH}{query}",
    )
    return str(message.sid)


def test_status_callbacks_are_signed_and_in_order(
    twilio_client: Client, emulator: Emulator, receiver: Receiver
) -> None:
    sid = send(twilio_client, receiver, query="?guest=7")

    callbacks = receiver.wait_for(3, STATUS_PATH)

    assert [c.form["MessageStatus"] for c in callbacks] == ["sent", "delivered", "read"]
    for callback in callbacks:
        assert is_signed(callback, emulator.auth_token)
        assert callback.path == f"{STATUS_PATH}?guest=7"
        assert callback.form["MessageSid"] == callback.form["SmsSid"] == sid
        assert callback.form["SmsStatus"] == callback.form["MessageStatus"]
        assert callback.form["AccountSid"] == emulator.account_sid
        assert callback.form["From"] == SENDER
        assert callback.form["To"] == GUEST
        assert callback.form["ApiVersion"] == "2010-04-01"
        assert callback.form["ChannelPrefix"] == "whatsapp"
        assert callback.form["ChannelToAddress"] == "+12025550123"
        assert callback.form["ChannelInstallSid"].startswith("XE")
        assert "ErrorCode" not in callback.form
    assert callbacks[2].form["EventType"] == "READ"
    assert twilio_client.messages(sid).fetch().status == "read"
    assert eventually(lambda: emulator.get("/stats")["callbacks"]["sent"] == 3)


def test_a_tampered_callback_fails_validation(
    twilio_client: Client, emulator: Emulator, receiver: Receiver
) -> None:
    send(twilio_client, receiver)
    callback = receiver.wait_for(1, STATUS_PATH)[0]
    validator = RequestValidator(emulator.auth_token)
    signature = callback.headers["X-Twilio-Signature"]

    tampered = {**callback.form, "MessageStatus": "failed"}
    assert validator.validate(callback.url, callback.form, signature)
    assert not validator.validate(callback.url, tampered, signature)
    assert not validator.validate(callback.url + "&x=1", callback.form, signature)
    assert not RequestValidator("another-token").validate(callback.url, callback.form, signature)


def test_shuffled_and_duplicated_callbacks(
    twilio_client: Client, emulator: Emulator, receiver: Receiver
) -> None:
    emulator.configure(seed=5, callback_shuffle=True, callback_duplicate_rate=1.0)
    sids = [send(twilio_client, receiver) for _ in range(5)]

    callbacks = receiver.wait_for(30, STATUS_PATH)

    orders = {
        sid: [c.form["MessageStatus"] for c in callbacks if c.form["MessageSid"] == sid]
        for sid in sids
    }
    for order in orders.values():
        assert sorted(order) == ["delivered", "delivered", "read", "read", "sent", "sent"]
    firsts = [order[::2] for order in orders.values()]
    assert any(first != ["sent", "delivered", "read"] for first in firsts)
    for sid in sids:
        assert twilio_client.messages(sid).fetch().status == "read"
    assert all(is_signed(callback, emulator.auth_token) for callback in callbacks)


def test_only_the_configured_statuses_are_sent(
    twilio_client: Client, emulator: Emulator, receiver: Receiver
) -> None:
    emulator.configure(callback_statuses="sent,delivered")
    sid = send(twilio_client, receiver)

    callbacks = receiver.wait_for(2, STATUS_PATH)

    assert [c.form["MessageStatus"] for c in callbacks] == ["sent", "delivered"]
    assert twilio_client.messages(sid).fetch().status == "delivered"


def test_a_guest_not_on_whatsapp_fails_with_63024(
    twilio_client: Client, emulator: Emulator, receiver: Receiver
) -> None:
    emulator.configure(not_on_whatsapp=["+12025550199"])
    sid = send(twilio_client, receiver, to="whatsapp:+12025550199")

    callback = receiver.wait_for(1, STATUS_PATH)[0]

    assert callback.form["MessageStatus"] == "failed"
    assert callback.form["ErrorCode"] == "63024"
    assert is_signed(callback, emulator.auth_token)
    fetched = twilio_client.messages(sid).fetch()
    assert fetched.status == "failed"
    assert fetched.error_code == 63024


def test_failing_callbacks_are_retried_then_counted(
    twilio_client: Client, emulator: Emulator, receiver: Receiver
) -> None:
    emulator.configure(callback_statuses=["sent"], callback_retries=2)
    receiver.statuses[STATUS_PATH] = 500
    send(twilio_client, receiver)

    attempts = receiver.wait_for(3, STATUS_PATH)

    assert len({a.headers["I-Twilio-Idempotency-Token"] for a in attempts}) == 1
    assert eventually(lambda: emulator.get("/stats")["callbacks"]["failed"] == 1)
    assert emulator.get("/stats")["callbacks"]["retried"] == 2


def test_an_unreachable_callback_url_does_not_hurt(
    twilio_client: Client, emulator: Emulator
) -> None:
    emulator.configure(callback_statuses=["sent"], callback_retries=0, callback_timeout=1)
    message = twilio_client.messages.create(
        to=GUEST, from_=SENDER, body="x", status_callback="http://127.0.0.1:9/nowhere"
    )

    assert message.status == "queued"
    assert emulator.get("/health")["status"] == "ok"


def test_a_guest_taps_a_button(
    twilio_client: Client, emulator: Emulator, receiver: Receiver
) -> None:
    sid = send(twilio_client, receiver)

    url = receiver.base_url + INBOUND_PATH
    answer = emulator.post(
        "/reply", {"from": GUEST, "button": "yes", "profile_name": "Ana", "url": url}
    )

    assert answer.status_code == 200
    assert answer.json()["status"] == 200
    assert answer.json()["body"] == "<Response/>"
    inbound = receiver.wait_for(1, INBOUND_PATH)[0]
    assert is_signed(inbound, emulator.auth_token)
    form = inbound.form
    assert form["ButtonPayload"] == "yes"
    assert form["ButtonText"] == form["Body"] == "Yes"
    assert form["MessageType"] == "button"
    assert form["OriginalRepliedMessageSid"] == sid
    assert form["OriginalRepliedMessageSender"] == SENDER
    assert form["From"] == GUEST
    assert form["To"] == SENDER
    assert form["WaId"] == "12025550123"
    assert form["ProfileName"] == "Ana"
    assert form["MessageSid"] == form["SmsSid"] == form["SmsMessageSid"]
    assert form["MessageSid"].startswith("SM")
    assert form["SmsStatus"] == "received"
    assert form["NumMedia"] == "0"
    assert form["AccountSid"] == emulator.account_sid


def test_a_guest_types_text_to_the_configured_inbound_url(
    emulator: Emulator, receiver: Receiver
) -> None:
    emulator.configure(inbound_url=receiver.base_url + INBOUND_PATH)
    receiver.statuses[INBOUND_PATH] = 403

    answer = emulator.post("/reply", {"from": "+12025550123", "text": "نعم سأحضر"})

    assert answer.json()["status"] == 403
    assert answer.json()["body"] == "oops"
    form = receiver.wait_for(1, INBOUND_PATH)[0].form
    assert form["Body"] == "نعم سأحضر"
    assert form["MessageType"] == "text"
    assert "ButtonPayload" not in form
    assert emulator.get("/stats")["replies"] == {"sent": 0, "failed": 1}


def test_reply_without_inbound_url_is_a_400(emulator: Emulator) -> None:
    answer = emulator.post("/reply", {"from": GUEST, "button": "yes"})

    assert answer.status_code == 400
    assert "inbound" in answer.json()["error"]


def test_auto_reply_mode_taps_yes_after_delivery(
    twilio_client: Client, emulator: Emulator, receiver: Receiver
) -> None:
    emulator.configure(auto_reply="yes", inbound_url=receiver.base_url + INBOUND_PATH)
    sid = send(twilio_client, receiver)

    inbound = receiver.wait_for(1, INBOUND_PATH)[0]

    assert inbound.form["ButtonPayload"] == "yes"
    assert inbound.form["OriginalRepliedMessageSid"] == sid
    assert is_signed(inbound, emulator.auth_token)


# A guest of each language: Madrid, São Paulo, Riyadh, Paris, New York.
GUESTS = {
    "es": "whatsapp:+34612345678",
    "pt": "whatsapp:+5511987654321",
    "ar": "whatsapp:+966501234567",
    "fr": "whatsapp:+33612345678",
    "en": GUEST,
}


def test_auto_reply_guests_type_their_answer_in_their_language(
    twilio_client: Client, emulator: Emulator, receiver: Receiver
) -> None:
    emulator.configure(
        auto_reply="no", auto_reply_text_rate=1, inbound_url=receiver.base_url + INBOUND_PATH
    )
    for number in GUESTS.values():
        send(twilio_client, receiver, to=number)

    inbound = {r.form["From"]: r for r in receiver.wait_for(len(GUESTS), INBOUND_PATH)}

    for language, number in GUESTS.items():
        reply = inbound[number]
        assert is_signed(reply, emulator.auth_token)
        assert reply.form["MessageType"] == "text" and "ButtonPayload" not in reply.form
        assert reply.form["Body"] in PHRASES[language]["no"], (language, reply.form["Body"])


def test_an_auto_reply_guest_keeps_their_answer_on_a_reminder_unless_told(
    twilio_client: Client, emulator: Emulator, receiver: Receiver
) -> None:
    emulator.configure(auto_reply="random", inbound_url=receiver.base_url + INBOUND_PATH)
    invitation = send(twilio_client, receiver)
    [answer] = receiver.wait_for(1, INBOUND_PATH)
    assert answer.form["OriginalRepliedMessageSid"] == invitation

    send(twilio_client, receiver)  # the reminder: delivered, read, and no answer
    assert eventually(lambda: len(receiver.wait_for(6, STATUS_PATH)) == 6)
    assert eventually(lambda: emulator.get("/stats")["callbacks"]["pending_tasks"] == 0)
    assert len(receiver.wait_for(1, INBOUND_PATH)) == 1

    emulator.configure(auto_reply_change_rate=1)  # told to change their mind
    follow_up = send(twilio_client, receiver)
    changed = receiver.wait_for(2, INBOUND_PATH)[1]
    assert changed.form["OriginalRepliedMessageSid"] == follow_up
    assert changed.form["ButtonPayload"] != answer.form["ButtonPayload"]


def test_an_answer_given_through_the_control_endpoint_stands_too(
    twilio_client: Client, emulator: Emulator, receiver: Receiver
) -> None:
    emulator.configure(auto_reply="yes", inbound_url=receiver.base_url + INBOUND_PATH)
    assert emulator.post("/reply", {"from": GUEST, "text": "No, thank you"}).status_code == 200

    send(twilio_client, receiver)  # delivered to a guest who already said no
    receiver.wait_for(3, STATUS_PATH)
    assert eventually(lambda: emulator.get("/stats")["callbacks"]["pending_tasks"] == 0)
    [only] = receiver.wait_for(1, INBOUND_PATH)
    assert only.form["Body"] == "No, thank you"


def test_free_text_outside_the_24_hour_window_fails_with_63016_templates_go(
    twilio_client: Client, emulator: Emulator, receiver: Receiver
) -> None:
    emulator.configure(session_window=True, callback_statuses=["delivered"])
    callback_url = receiver.base_url + STATUS_PATH
    text = twilio_client.messages.create(
        to=GUEST, from_=SENDER, body="Reminder: the party is tomorrow", status_callback=callback_url
    )
    template = send(twilio_client, receiver)

    callbacks = {c.form["MessageSid"]: c.form for c in receiver.wait_for(2, STATUS_PATH)}

    assert callbacks[text.sid]["MessageStatus"] == "failed"
    assert callbacks[text.sid]["ErrorCode"] == "63016"
    assert callbacks[template]["MessageStatus"] == "delivered"
    # Once the guest writes, free text goes for 24 hours.
    emulator.post("/reply", {"from": GUEST, "text": "hi", "url": receiver.base_url + INBOUND_PATH})
    inside = twilio_client.messages.create(
        to=GUEST, from_=SENDER, body="See you there", status_callback=callback_url
    )
    assert eventually(lambda: twilio_client.messages(inside.sid).fetch().status == "delivered")
    assert twilio_client.messages(text.sid).fetch().error_code == 63016


def test_a_notice_is_rendered_and_recorded_but_never_answered(
    twilio_client: Client, emulator: Emulator, receiver: Receiver
) -> None:
    notice = "HX" + "4" * 32
    emulator.configure(
        auto_reply="yes",
        inbound_url=receiver.base_url + INBOUND_PATH,
        notice_templates=notice,
        content_templates={notice: "Hi {{1}}, {{2}} has changed. It is now on {{3}}."},
    )
    update = twilio_client.messages.create(
        to=GUEST,
        from_=SENDER,
        content_sid=notice,
        content_variables='{"1": "Ana", "2": "Gala", "3": "Sat 8 May, 21:30"}',
        status_callback=receiver.base_url + STATUS_PATH,
    )
    invitation = send(twilio_client, receiver, to="whatsapp:+12025550124")

    # The invitation is answered; the update, delivered and read, is not.
    [answer] = receiver.wait_for(1, INBOUND_PATH)
    assert answer.form["OriginalRepliedMessageSid"] == invitation
    assert eventually(lambda: len(receiver.wait_for(6, STATUS_PATH)) == 6)
    assert eventually(lambda: emulator.get("/stats")["callbacks"]["pending_tasks"] == 0)
    assert len(receiver.wait_for(1, INBOUND_PATH)) == 1
    recorded = next(m for m in emulator.messages() if m["sid"] == update.sid)
    assert recorded["body"] == "Hi Ana, Gala has changed. It is now on Sat 8 May, 21:30."
    assert recorded["content_sid"] == notice
