"""`POST /webhooks/twilio/inbound`: record once, apply RSVPs and opt-outs, answer TwiML."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support.database import query, scalar
from tests.support.factories import seed
from tests.support.webhooks import INBOUND, button_form, inbound_form, new_sid, signed_post

PHONE = "+14155550100"
EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response />'


def reply_text(body: bytes) -> str | None:
    """The text of the TwiML <Message>, or None for an empty <Response/>."""
    root = ET.fromstring(body)
    assert root.tag == "Response"
    message = root.find("Message")
    return None if message is None else message.text


def invitation_rsvp(app: Flask, invitation_id: int | None) -> str | None:
    return scalar(app, "SELECT rsvp FROM invitations WHERE id = :id", id=invitation_id)


def test_plain_text_is_stored_for_the_inbox_with_every_param(
    app: Flask, client: FlaskClient
) -> None:
    seeded = seed(app, PHONE)
    form = inbound_form(PHONE, "Can I bring my dog?", Latitude="40.4", NewTwilioParam="x")
    response = signed_post(client, INBOUND, form)
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    assert response.get_data(as_text=True) == EMPTY
    [row] = query(app, "SELECT * FROM inbound_messages")
    assert (row.message_sid, row.kind, row.body) == (form["MessageSid"], "text", form["Body"])
    assert (row.guest_id, row.event_id) == (seeded.guest_id, seeded.event_id)
    assert (row.from_phone, row.to_phone, row.profile_name) == (form["From"], form["To"], "Guest")
    assert row.params == form
    assert invitation_rsvp(app, seeded.invitation_id) is None


def test_duplicate_delivery_changes_nothing_and_still_gets_200(
    app: Flask, client: FlaskClient
) -> None:
    seeded = seed(app, PHONE)
    form = button_form(PHONE, "yes", "Yes", seeded.message_sid)
    first = signed_post(client, INBOUND, form)
    second = signed_post(client, INBOUND, form)
    assert first.status_code == second.status_code == 200
    assert reply_text(first.data) == "Thanks, Ana! You're confirmed for Launch party."
    assert second.get_data(as_text=True) == EMPTY
    assert scalar(app, "SELECT count(*) FROM inbound_messages") == 1
    assert scalar(app, "SELECT count(*) FROM rsvp_responses") == 1


def test_button_applies_to_the_invitation_it_replies_to(app: Flask, client: FlaskClient) -> None:
    older = seed(app, PHONE, event_name="Gala", accepted_minutes_ago=600)
    newer = seed(app, PHONE, event_name="Picnic", accepted_minutes_ago=5)
    response = signed_post(client, INBOUND, button_form(PHONE, "YES", "Yes", older.message_sid))
    assert reply_text(response.data) == "Thanks, Ana! You're confirmed for Gala."
    assert invitation_rsvp(app, older.invitation_id) == "confirmed"
    assert invitation_rsvp(app, newer.invitation_id) is None
    row = query(app, "SELECT kind, event_id, replied_message_sid FROM inbound_messages")[0]
    assert tuple(row) == ("rsvp", older.event_id, older.message_sid)


def test_without_a_replied_sid_the_latest_invitation_is_answered(
    app: Flask, client: FlaskClient
) -> None:
    older = seed(app, PHONE, event_name="Gala", accepted_minutes_ago=600)
    newer = seed(app, PHONE, event_name="Picnic", accepted_minutes_ago=5)
    signed_post(client, INBOUND, button_form(PHONE, "no", "No"))
    assert invitation_rsvp(app, newer.invitation_id) == "declined"
    assert invitation_rsvp(app, older.invitation_id) is None


def test_unknown_replied_sid_falls_back_to_the_latest_invitation(
    app: Flask, client: FlaskClient
) -> None:
    seeded = seed(app, PHONE)
    signed_post(client, INBOUND, button_form(PHONE, "maybe", "Maybe", new_sid()))
    assert invitation_rsvp(app, seeded.invitation_id) == "maybe"


def test_a_tap_on_someone_elses_invitation_is_not_their_rsvp(
    app: Flask, client: FlaskClient
) -> None:
    # Ana forwarded her invitation; Ben (a guest of another event) taps its button.
    anas = seed(app, PHONE, event_name="Gala", accepted_minutes_ago=60)
    bens = seed(app, "+14155550199", event_name="Picnic", accepted_minutes_ago=5)

    signed_post(client, INBOUND, button_form("+14155550199", "no", "No", anas.message_sid))

    assert invitation_rsvp(app, anas.invitation_id) is None
    assert invitation_rsvp(app, bens.invitation_id) == "declined"


def test_a_reply_to_an_invitation_still_being_sent_waits_for_its_sid(
    app: Flask, client: FlaskClient
) -> None:
    from app.extensions import db
    from app.sending.statuses import link_awaiting_replies

    gala = seed(app, PHONE, event_name="Gala", accepted_minutes_ago=60)
    picnic = seed(app, PHONE, event_name="Picnic")
    sid = new_sid()
    # The Picnic invitation's request got no answer: it is still `sending`, SID unknown.
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(
            db.text(
                "UPDATE invitations SET send_state = 'sending', message_sid = NULL WHERE id = :i"
            ),
            {"i": picnic.invitation_id},
        )
    response = signed_post(client, INBOUND, button_form(PHONE, "no", "No", sid))

    assert response.status_code == 200 and response.get_data(as_text=True) == EMPTY
    assert invitation_rsvp(app, gala.invitation_id) is None
    assert invitation_rsvp(app, picnic.invitation_id) is None
    # Reconciliation finds the message and records its SID: the reply is applied then.
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(
            db.text(
                "UPDATE invitations SET send_state = 'accepted', message_sid = :s WHERE id = :i"
            ),
            {"s": sid, "i": picnic.invitation_id},
        )
        assert link_awaiting_replies(connection, [sid]) == 1
    assert invitation_rsvp(app, picnic.invitation_id) == "declined"
    assert invitation_rsvp(app, gala.invitation_id) is None
    [row] = query(app, "SELECT kind, event_id, rsvp FROM inbound_messages")
    assert tuple(row) == ("rsvp", picnic.event_id, "declined")


def test_a_reply_that_waits_in_vain_goes_to_the_inbox(app: Flask, client: FlaskClient) -> None:
    from app.extensions import db
    from app.sending.statuses import link_awaiting_replies

    seeded = seed(app, PHONE)
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(db.text("UPDATE invitations SET send_state = 'sending'"))
    signed_post(client, INBOUND, button_form(PHONE, "yes", "Yes", new_sid()))
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(
            db.text("UPDATE inbound_messages SET received_at = now() - interval '1 hour'")
        )
        assert link_awaiting_replies(connection) == 0

    assert scalar(app, "SELECT kind FROM inbound_messages") == "text"
    assert invitation_rsvp(app, seeded.invitation_id) is None


US, ES, MX, BR, SA = (
    "+14155550100",
    "+34612345678",
    "+5215512345678",
    "+5511987654321",
    "+966501234567",
)
# The confirmations a guest named Ana invited to "Launch party" expects, per language.
EN_YES = "Thanks, Ana! You're confirmed for Launch party."
EN_NO = "Thanks, Ana. Sorry you can't make it to Launch party."
EN_MAYBE = "Thanks, Ana. We've noted you as a maybe for Launch party."
ES_YES = "¡Gracias, Ana! Tu asistencia a Launch party está confirmada."
ES_NO = "Gracias, Ana. Lamentamos que no puedas asistir a Launch party."
ES_MAYBE = "Gracias, Ana. Te anotamos como «quizás» para Launch party."
PT_YES = "Obrigado, Ana! Sua presença em Launch party está confirmada."
PT_NO = "Obrigado, Ana. Que pena que você não poderá ir a Launch party."
PT_MAYBE = "Obrigado, Ana. Anotamos um «talvez» para Launch party."
AR_YES = "شكرًا Ana! تم تأكيد حضورك إلى Launch party."
AR_NO = "شكرًا Ana. يؤسفنا أنك لن تتمكن من حضور Launch party."
AR_MAYBE = "شكرًا Ana. سجّلنا ردّك «ربما» على Launch party."
FR_YES = "Merci, Ana ! Votre présence à Launch party est confirmée."
FR_NO = "Merci, Ana. Nous regrettons que vous ne puissiez pas venir à Launch party."
FR_MAYBE = "Merci, Ana. Nous avons noté un « peut-être » pour Launch party."
EN_STOP = "You won't receive more messages from us. Reply START to undo."
ES_STOP = "No recibirás más mensajes nuestros. Responde ALTA para deshacerlo."
PT_STOP = "Você não receberá mais mensagens. Responda VOLTAR para desfazer."
AR_STOP = "لن تصلك رسائل أخرى منا. أرسل «ابدأ» للتراجع."

# (typed answer, sender, rsvp, expected confirmation)
TYPED_ANSWERS = [
    ("yes!", US, "confirmed", EN_YES),
    ("OK 👍", US, "confirmed", EN_YES),
    ("Nope", US, "declined", EN_NO),
    ("maybe?", US, "maybe", EN_MAYBE),
    (" Sí ", ES, "confirmed", ES_YES),
    ("si", MX, "confirmed", ES_YES),
    ("No.", ES, "declined", ES_NO),
    ("Quizás", ES, "maybe", ES_MAYBE),
    ("SIM", BR, "confirmed", PT_YES),
    ("não", BR, "declined", PT_NO),
    ("Talvez", BR, "maybe", PT_MAYBE),
    ("نعم.", SA, "confirmed", AR_YES),
    ("نعم سأحضر", SA, "confirmed", AR_YES),
    ("لا", SA, "declined", AR_NO),
    ("ربما", SA, "maybe", AR_MAYBE),
    # The sender's country settles words several languages share.
    ("no", US, "declined", EN_NO),
    ("ok", BR, "confirmed", PT_YES),
]


@pytest.mark.parametrize(("body", "phone", "rsvp", "expected"), TYPED_ANSWERS)
def test_typed_answers_in_four_languages(
    app: Flask, client: FlaskClient, body: str, phone: str, rsvp: str, expected: str
) -> None:
    seeded = seed(app, phone)
    response = signed_post(client, INBOUND, inbound_form(phone, body))
    assert response.status_code == 200
    assert reply_text(response.data) == expected
    assert invitation_rsvp(app, seeded.invitation_id) == rsvp
    assert scalar(app, "SELECT kind FROM inbound_messages") == "rsvp"
    history = query(app, "SELECT invitation_id, rsvp, inbound_message_id FROM rsvp_responses")
    message_id = scalar(app, "SELECT id FROM inbound_messages")
    assert [tuple(row) for row in history] == [(seeded.invitation_id, rsvp, message_id)]


@pytest.mark.parametrize(
    ("title", "phone", "stored", "expected"),
    [
        ("Yes", ES, "es", ES_YES),  # a Spanish guest taps a button titled in English
        ("Sí, asistiré", US, "en", EN_YES),
        ("Confirmar presença", SA, "ar", AR_YES),
        ("نعم", BR, "pt", PT_YES),
        ("Yes", US, "fr", FR_YES),
        ("Count on me!!", ES, None, ES_YES),  # none stored: the phone's country's
        ("Sí", US, None, EN_YES),
    ],
)
def test_a_button_is_confirmed_in_the_guests_language_never_the_titles(
    app: Flask, client: FlaskClient, title: str, phone: str, stored: str | None, expected: str
) -> None:
    seeded = seed(app, phone, language=stored, language_from_replies=True)
    response = signed_post(client, INBOUND, button_form(phone, "yes", title, seeded.message_sid))
    assert reply_text(response.data) == expected
    assert invitation_rsvp(app, seeded.invitation_id) == "confirmed"
    # A title is our words, not the guest's: it never changes their language.
    assert scalar(app, "SELECT language FROM guests") == stored


@pytest.mark.parametrize(
    ("body", "stored", "expected"),
    [
        ("yes", "es", ES_YES),
        ("Sí, allí estaré", "en", EN_YES),
        ("Talvez", "ar", AR_MAYBE),
        ("Non merci", "pt", PT_NO),
        ("STOP", "es", ES_STOP),
    ],
)
def test_a_typed_reply_is_answered_in_the_guests_language(
    app: Flask, client: FlaskClient, body: str, stored: str, expected: str
) -> None:
    seed(app, US, language=stored)
    response = signed_post(client, INBOUND, inbound_form(US, body))
    assert reply_text(response.data) == expected
    assert scalar(app, "SELECT language FROM guests") == stored


@pytest.mark.parametrize(
    ("body", "adopted", "expected"),
    [
        ("yes", "en", EN_YES),
        ("Sí, allí estaré", "es", ES_YES),
        ("Oui, avec plaisir", "fr", FR_YES),
        ("Non merci", "fr", FR_NO),
        ("baja", "es", ES_STOP),
        # Words several languages share say nothing of the guest's: theirs holds.
        ("ok", "pt", PT_YES),
        ("no", "pt", PT_NO),
        ("👍", "pt", PT_YES),
    ],
)
def test_the_event_may_let_a_reply_change_the_guests_language(
    app: Flask, client: FlaskClient, body: str, adopted: str, expected: str
) -> None:
    seed(app, US, language="pt", language_from_replies=True)
    response = signed_post(client, INBOUND, inbound_form(US, body))
    assert reply_text(response.data) == expected
    assert scalar(app, "SELECT language FROM guests") == adopted


def test_changing_an_answer_keeps_every_change(app: Flask, client: FlaskClient) -> None:
    seeded = seed(app, PHONE)
    for body in ("yes", "no", "maybe", "yes"):
        assert signed_post(client, INBOUND, inbound_form(PHONE, body)).status_code == 200
    assert invitation_rsvp(app, seeded.invitation_id) == "confirmed"
    history = query(app, "SELECT rsvp FROM rsvp_responses ORDER BY created_at, id")
    assert [row.rsvp for row in history] == ["confirmed", "declined", "maybe", "confirmed"]
    rsvp_at, last_received = query(
        app,
        "SELECT (SELECT rsvp_at FROM invitations), (SELECT max(received_at) FROM inbound_messages)",
    )[0]
    assert rsvp_at == last_received


OPT_OUTS = [
    ("STOP", US, "stop", EN_STOP),
    ("unsubscribe", US, "unsubscribe", EN_STOP),
    ("Baja", ES, "baja", ES_STOP),
    ("cancelar", ES, "cancelar", ES_STOP),
    ("Parar", BR, "parar", PT_STOP),
    ("cancelar", BR, "cancelar", PT_STOP),
    ("إلغاء", SA, "الغاء", AR_STOP),
    ("توقف!", SA, "توقف", AR_STOP),
]


@pytest.mark.parametrize(("body", "phone", "keyword", "expected"), OPT_OUTS)
def test_stop_keywords_opt_the_number_out(
    app: Flask, client: FlaskClient, body: str, phone: str, keyword: str, expected: str
) -> None:
    seeded = seed(app, phone)
    response = signed_post(client, INBOUND, inbound_form(phone, body))
    assert reply_text(response.data) == expected
    [row] = query(app, "SELECT phone, source, keyword FROM opt_outs")
    assert tuple(row) == (phone, "keyword", keyword)
    assert scalar(app, "SELECT kind FROM inbound_messages") == "optout"
    assert invitation_rsvp(app, seeded.invitation_id) is None


START = [
    ("START", US, "You're subscribed again. Reply STOP to opt out."),
    ("alta", ES, "Te suscribiste de nuevo. Responde BAJA para no recibir mensajes."),
    ("Voltar", BR, "Você voltou a receber mensagens. Responda PARAR para sair."),
    ("ابدأ", SA, "تمت إعادة اشتراكك. أرسل «إلغاء» لإيقاف الرسائل."),
]


@pytest.mark.parametrize(("body", "phone", "expected"), START)
def test_start_keywords_undo_the_opt_out(
    app: Flask, client: FlaskClient, body: str, phone: str, expected: str
) -> None:
    signed_post(client, INBOUND, inbound_form(phone, "stop"))
    assert scalar(app, "SELECT count(*) FROM opt_outs") == 1
    response = signed_post(client, INBOUND, inbound_form(phone, body))
    assert reply_text(response.data) == expected
    assert scalar(app, "SELECT count(*) FROM opt_outs") == 0
    kinds = query(app, "SELECT kind FROM inbound_messages ORDER BY id")
    assert [row.kind for row in kinds] == ["optout", "optin"]


def test_messages_from_strangers_are_stored_not_rejected(app: Flask, client: FlaskClient) -> None:
    seed(app, PHONE)
    stranger = "+447700900123"
    response = signed_post(client, INBOUND, inbound_form(stranger, "yes"))
    assert response.status_code == 200
    assert response.get_data(as_text=True) == EMPTY
    row = query(app, "SELECT kind, guest_id, event_id, body FROM inbound_messages")[0]
    assert tuple(row) == ("text", None, None, "yes")
    assert scalar(app, "SELECT count(*) FROM rsvp_responses") == 0
    signed_post(client, INBOUND, inbound_form(stranger, "STOP"))
    assert scalar(app, "SELECT phone FROM opt_outs") == stranger


def test_a_guest_without_an_invitation_is_matched_but_not_answered(
    app: Flask, client: FlaskClient
) -> None:
    seeded = seed(app, PHONE, invited=False)
    response = signed_post(client, INBOUND, inbound_form(PHONE, "yes"))
    assert response.get_data(as_text=True) == EMPTY
    row = query(app, "SELECT kind, guest_id, event_id FROM inbound_messages")[0]
    assert tuple(row) == ("text", seeded.guest_id, seeded.event_id)


@pytest.mark.parametrize(
    ("body", "rsvp"),
    [("yes, and my partner too?", "confirmed"), ("👍 but late", "confirmed"),
     ("Lo siento, no podré ir", "declined")],
)  # fmt: skip
def test_answers_inside_sentences_are_applied(
    app: Flask, client: FlaskClient, body: str, rsvp: str
) -> None:
    seeded = seed(app, PHONE)
    signed_post(client, INBOUND, inbound_form(PHONE, body))
    assert scalar(app, "SELECT kind FROM inbound_messages") == "rsvp"
    assert invitation_rsvp(app, seeded.invitation_id) == rsvp


@pytest.mark.parametrize(
    "body", ["no idea what this is", "", "stop by at 5?", "yes... no, I mean yes", "Can I come?"]
)
def test_sentences_are_not_answers(app: Flask, client: FlaskClient, body: str) -> None:
    seeded = seed(app, PHONE)
    response = signed_post(client, INBOUND, inbound_form(PHONE, body))
    assert response.get_data(as_text=True) == EMPTY
    assert scalar(app, "SELECT kind FROM inbound_messages") == "text"
    assert invitation_rsvp(app, seeded.invitation_id) is None
    assert scalar(app, "SELECT count(*) FROM opt_outs") == 0


def test_confirmation_escapes_names_in_twiml(app: Flask, client: FlaskClient) -> None:
    seed(app, PHONE, guest_name="Tom & <Jerry>", event_name='"Rock" & Roll </Message>')
    response = signed_post(client, INBOUND, inbound_form(PHONE, "yes"))
    assert reply_text(response.data) == (
        'Thanks, Tom & <Jerry>! You\'re confirmed for "Rock" & Roll </Message>.'
    )
