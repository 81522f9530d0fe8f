"""The Content API through the real twilio client: contents, WhatsApp approval by Meta's rules,
and messages of those contents rendered with their variables and media."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from PIL import Image
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client
from twilio.rest.content.v1.content import ContentList
from twilio.rest.content.v1.content.approval_create import ApprovalCreateList

from tests.support.constants import SENDER
from tests.support.emulator import Emulator
from tests.support.polling import eventually
from tests.support.receiver import Receiver

pytestmark = pytest.mark.slow

GUEST = "whatsapp:+34612345678"
INVITATION = "Hola {{1}}, te invitamos a {{2}} el {{3}}. ¿Vendrás? Responde abajo, por favor."
BUTTONS = [
    {"type": "QUICK_REPLY", "title": "Sí", "id": "yes"},
    {"type": "QUICK_REPLY", "title": "No", "id": "no"},
    {"type": "QUICK_REPLY", "title": "Quizás", "id": "maybe"},
]


@pytest.fixture
def content(twilio_client: Client, emulator: Emulator) -> Client:
    """The twilio client with its Content API pointed at the emulator (fast approvals)."""
    twilio_client.content.base_url = emulator.url
    emulator.configure(content_approval_delay="0.3")
    return twilio_client


@pytest.fixture
def images() -> Iterator[Receiver]:
    """A web server holding header images: a PNG, a text file, a PNG over 5 MB."""
    with Receiver() as server:
        server.files["/card.png"] = ("image/png", png(64, 32))
        server.files["/card.txt"] = ("text/plain", b"not an image")
        server.files["/huge.png"] = ("image/png", png(1, 1) + b"\0" * (5 * 1024 * 1024))
        yield server


def png(width: int, height: int) -> bytes:
    """Return a PNG image of this size."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), "navy").save(out, "PNG")
    return out.getvalue()


def create(client: Client, types: dict[str, Any], **variables: str) -> Any:
    """Create a content in Spanish with these types and sample variables."""
    request = ContentList.ContentCreateRequest(
        {
            "friendly_name": "invitation_es",
            "language": "es",
            "variables": variables or {"1": "Ana", "2": "la boda", "3": "12 de mayo"},
            "types": types,
        }
    )
    return client.content.v1.contents.create(request)


def quick_reply(body: str = INVITATION, actions: list[dict[str, str]] = BUTTONS) -> dict[str, Any]:
    """Return the types of a quick-reply content."""
    return {"twilio/quick-reply": {"body": body, "actions": actions}}


def submit(client: Client, sid: str, name: str = "invitation_es", category: str = "UTILITY") -> Any:
    """Ask WhatsApp to approve content `sid`."""
    request = ApprovalCreateList.ContentApprovalRequest({"name": name, "category": category})
    return client.content.v1.contents(sid).approval_create.create(request)


def decided(client: Client, sid: str) -> dict[str, Any]:
    """Wait for Meta's decision on content `sid`; return the `whatsapp` approval object."""

    def whatsapp() -> dict[str, Any]:
        found: dict[str, Any] = client.content.v1.contents(sid).approval_fetch().fetch().whatsapp
        return found

    assert eventually(lambda: whatsapp()["status"] in ("approved", "rejected"), 5)
    return whatsapp()


def test_a_content_is_created_fetched_listed_in_pages_and_deleted(content: Client) -> None:
    made = [create(content, quick_reply()) for _ in range(3)]

    fetched = content.content.v1.contents(made[0].sid).fetch()
    assert fetched.sid.startswith("HX") and len(fetched.sid) == 34
    assert fetched.language == "es" and fetched.friendly_name == "invitation_es"
    assert fetched.types == quick_reply() and fetched.variables["1"] == "Ana"
    assert fetched.date_created is not None
    assert fetched.links["approval_fetch"].endswith(f"/v1/Content/{fetched.sid}/ApprovalRequests")
    listed = [item.sid for item in content.content.v1.contents.stream(page_size=2)]
    assert listed == [item.sid for item in reversed(made)]

    assert content.content.v1.contents(made[0].sid).delete() is True
    with pytest.raises(TwilioRestException) as missing:
        content.content.v1.contents(made[0].sid).fetch()
    assert (missing.value.status, missing.value.code) == (404, 20404)


@pytest.mark.parametrize(
    "types",
    [
        {},
        {"twilio/unknown": {"body": "Hi"}},
        {"twilio/quick-reply": {"body": "Hi {{1}} there", "actions": []}},
        {"twilio/media": {"body": "Hi", "media": []}},
        {"twilio/media": {"body": "Hi", "media": ["https://{{1}}.example.org/pass.png"]}},
        {"twilio/text": {"body": ""}},
    ],
)
def test_a_malformed_content_is_refused_with_a_400(content: Client, types: dict[str, Any]) -> None:
    with pytest.raises(TwilioRestException) as refused:
        create(content, types)

    assert (refused.value.status, refused.value.code) == (400, 20001)
    assert content.content.v1.contents.list() == []


def test_a_content_that_follows_metas_rules_is_pending_then_approved(content: Client) -> None:
    sid = create(content, quick_reply()).sid
    before = content.content.v1.contents(sid).approval_fetch().fetch().whatsapp
    assert before["status"] == "unsubmitted"

    asked = submit(content, sid)

    assert (asked.status, asked.category, asked.name) == ("received", "UTILITY", "invitation_es")
    assert asked.content_type == "twilio/quick-reply"
    assert content.content.v1.contents(sid).approval_fetch().fetch().whatsapp["status"] == (
        "pending"
    )
    assert decided(content, sid) | {"rejection_reason": "-"} == {
        "allow_category_change": True,
        "category": "UTILITY",
        "content_type": "twilio/quick-reply",
        "flows": None,
        "name": "invitation_es",
        "rejection_reason": "-",
        "status": "approved",
        "type": "whatsapp",
    }


@pytest.mark.parametrize(
    ("types", "reason"),
    [
        (quick_reply("{{1}}, te invitamos a {{2}} el {{3}}. Responde abajo."), "start or end"),
        (quick_reply("Hola, te invitamos a la boda de {{1}} y {{2}} el {{3}}"), "start or end"),
        (quick_reply("Hola amiga, te invitamos a {{1}} {{2}} el día {{3}} ¿Vienes?"), "next to"),
        (quick_reply("Hola {{1}}, a {{2}} el {{3}} ya."), "too many variable"),
        (quick_reply("Hola {{1}}, te invitamos a {{3}} el sábado. ¿Vienes?"), "in order"),
        (quick_reply(actions=[{"title": "Sí, allí estaré con mi familia", "id": "yes"}]), "20"),
        (quick_reply(actions=[*BUTTONS, {"title": "Tal vez", "id": "x"}]), "at most 3"),
    ],
)
def test_a_content_breaking_a_rule_is_rejected_with_metas_reason(
    content: Client, types: dict[str, Any], reason: str
) -> None:
    sid = create(content, types).sid

    assert submit(content, sid).status == "received"

    whatsapp = decided(content, sid)
    assert whatsapp["status"] == "rejected"
    assert reason in whatsapp["rejection_reason"]


@pytest.mark.parametrize(
    ("path", "status", "reason"),
    [
        ("/card.png", "approved", ""),
        ("/card.txt", "rejected", "JPEG or PNG"),
        ("/huge.png", "rejected", "larger than 5 MB"),
        ("/gone.png", "rejected", "could not be downloaded"),
    ],
)
def test_a_header_image_is_downloaded_and_checked(
    content: Client, images: Receiver, path: str, status: str, reason: str
) -> None:
    card = {"body": INVITATION, "media": [images.base_url + path], "actions": BUTTONS}
    sid = create(content, {"whatsapp/card": card}).sid
    submit(content, sid)

    whatsapp = decided(content, sid)

    assert (whatsapp["status"], whatsapp["content_type"]) == (status, "whatsapp/card")
    if reason:
        assert reason in whatsapp["rejection_reason"]
    else:
        assert whatsapp["rejection_reason"] == ""


@pytest.mark.parametrize(
    ("name", "category"),
    [("Invitation ES", "UTILITY"), ("invitación", "UTILITY"), ("invitation", "PROMO")],
)
def test_an_approval_request_with_a_bad_name_or_category_is_refused(
    content: Client, name: str, category: str
) -> None:
    sid = create(content, quick_reply()).sid

    with pytest.raises(TwilioRestException) as refused:
        submit(content, sid, name, category)

    assert (refused.value.status, refused.value.code) == (400, 20001)
    assert content.content.v1.contents(sid).approval_fetch().fetch().whatsapp["status"] == (
        "unsubmitted"
    )


def test_a_content_is_submitted_once(content: Client) -> None:
    sid = create(content, quick_reply()).sid
    submit(content, sid)

    with pytest.raises(TwilioRestException) as again:
        submit(content, sid)

    assert again.value.status == 409


def test_a_message_of_a_content_shows_its_body_with_the_variables_and_its_image(
    content: Client, emulator: Emulator, images: Receiver
) -> None:
    card = {"body": INVITATION, "media": [images.base_url + "/card.png"], "actions": BUTTONS}
    sid = create(content, {"whatsapp/card": card}).sid
    submit(content, sid)
    assert decided(content, sid)["status"] == "approved"

    variables = {"1": "Lucía", "2": "la boda de Ana", "3": "sábado 12 de mayo, 18:00"}
    message = content.messages.create(
        to=GUEST, from_=SENDER, content_sid=sid, content_variables=json.dumps(variables)
    )

    expected = INVITATION.replace("{{1}}", "Lucía").replace("{{2}}", "la boda de Ana")
    expected = expected.replace("{{3}}", "sábado 12 de mayo, 18:00")
    assert message.body == expected and message.num_media == "1"
    recorded = emulator.messages()[0]
    assert recorded["body"] == expected
    assert recorded["media_urls"] == [images.base_url + "/card.png"]


def test_an_unapproved_content_fails_outside_the_window_and_an_approved_one_goes(
    content: Client, emulator: Emulator
) -> None:
    emulator.configure(session_window=True, content_approval_delay="60")
    sid = create(content, quick_reply()).sid
    submit(content, sid)
    variables = json.dumps({"1": "Lucía", "2": "la boda", "3": "el sábado"})

    early = content.messages.create(
        to=GUEST, from_=SENDER, content_sid=sid, content_variables=variables
    )
    failed = eventually(lambda: content.messages(early.sid).fetch().status == "failed", 5)
    assert failed and content.messages(early.sid).fetch().error_code == 63016

    emulator.control("/review", {"sid": sid, "status": "approved"})
    later = content.messages.create(
        to=GUEST, from_=SENDER, content_sid=sid, content_variables=variables
    )
    assert eventually(lambda: content.messages(later.sid).fetch().status == "read", 5)


def test_the_control_endpoint_plays_a_rejection_no_rule_sees(
    content: Client, emulator: Emulator
) -> None:
    sid = create(content, quick_reply()).sid
    submit(content, sid)

    decision = emulator.control(
        "/review", {"sid": sid, "status": "rejected", "rejection_reason": "Policy: spam."}
    )

    assert decision["status"] == "rejected"
    whatsapp = content.content.v1.contents(sid).approval_fetch().fetch().whatsapp
    assert (whatsapp["status"], whatsapp["rejection_reason"]) == ("rejected", "Policy: spam.")
    listed = emulator.get("/contents")["contents"]
    assert [(c["sid"], c["status"]) for c in listed] == [(sid, "rejected")]
    unknown = emulator.post("/review", {"sid": "HX" + "0" * 32, "status": "approved"})
    assert unknown.status_code == 404


def test_a_media_templates_url_takes_its_variable_in_the_path_as_twilio_fills_it(
    content: Client, emulator: Emulator, images: Receiver
) -> None:
    body = "Hola {{1}}, tu pase para {{2}} está en la imagen. ¡Te esperamos allí!"
    types = {"twilio/media": {"body": body, "media": [images.base_url + "/{{3}}"]}}
    sid = create(content, types, **{"1": "Ana", "2": "la boda", "3": "card.png"}).sid
    submit(content, sid)
    assert decided(content, sid)["status"] == "approved"  # the sample path was fetched

    variables = {"1": "Lucía", "2": "la boda", "3": "abc/pass/K7QM2XDP.png"}
    content.messages.create(
        to=GUEST, from_=SENDER, content_sid=sid, content_variables=json.dumps(variables)
    )
    content.messages.create(
        to=GUEST, from_=SENDER, body="Tu pase", media_url=[images.base_url + "/card.png"]
    )

    [templated, free] = emulator.messages()
    assert templated["media_urls"] == [images.base_url + "/abc/pass/K7QM2XDP.png"]
    assert templated["body"].startswith("Hola Lucía, tu pase para la boda")
    assert free["media_urls"] == [images.base_url + "/card.png"] and free["body"] == "Tu pase"


LIST_PICKER = {
    "body": "Pregunta 2 de 2: ¿Plato principal? Toca tu respuesta.",
    "button": "Elegir",
    "items": [
        {"item": "Pescado", "id": "answer_7_1", "description": "Pescado"},
        {"item": "Carne", "id": "answer_7_2", "description": "Carne"},
        {"item": "Pasta", "id": "answer_7_3", "description": "Pasta"},
        {"item": "Ensalada", "id": "answer_7_4", "description": "Ensalada"},
    ],
}


def items(count: int, **item: str) -> list[dict[str, str]]:
    """`count` list-picker items, each with `item`'s fields over a short default."""
    return [
        {"item": f"Item {n}", "id": f"id_{n}", "description": "d", **item} for n in range(count)
    ]


@pytest.mark.parametrize(
    ("types", "words"),
    [
        ({"twilio/list-picker": {**LIST_PICKER, "items": items(11)}}, "1 to 10 items"),
        ({"twilio/list-picker": {**LIST_PICKER, "items": []}}, "1 to 10 items"),
        ({"twilio/list-picker": {**LIST_PICKER, "items": items(2, item="x" * 25)}}, "item item"),
        ({"twilio/list-picker": {**LIST_PICKER, "items": items(2, id="i" * 201)}}, "item id"),
        (
            {"twilio/list-picker": {**LIST_PICKER, "items": items(2, description="d" * 73)}},
            "item description",
        ),
        ({"twilio/list-picker": {**LIST_PICKER, "button": ""}}, "requires a button"),
        ({"twilio/list-picker": {**LIST_PICKER, "body": "b" * 1025}}, "longer than 1024"),
        (
            {"twilio/quick-reply": {"body": "How many?", "actions": BUTTONS * 4}},
            "at most 10 actions",
        ),
    ],
)
def test_contents_past_twilios_limits_are_refused_with_its_error_shape(
    content: Client, types: dict[str, Any], words: str
) -> None:
    with pytest.raises(TwilioRestException) as refused:
        create(content, types)
    assert (refused.value.status, refused.value.code) == (400, 20001)
    assert words in str(refused.value.msg)


def test_a_list_picker_message_and_a_tap_on_one_of_its_items(
    content: Client, emulator: Emulator
) -> None:
    created = create(content, {"twilio/list-picker": LIST_PICKER})
    sent = content.messages.create(to=GUEST, from_=SENDER, content_sid=created.sid)
    assert sent.body == LIST_PICKER["body"]  # sent in session: no approval asked
    with Receiver() as service:
        answer = emulator.control(
            "/reply", {"from": GUEST, "button": "answer_7_2", "url": service.base_url + "/in"}
        )
        [tap] = service.wait_for(1, "/in")
    assert answer["status"] == 200
    assert {key: tap.form.get(key) for key in ("MessageType", "ListId", "ListTitle", "Body")} == {
        "MessageType": "interactive",
        "ListId": "answer_7_2",
        "ListTitle": "Carne",
        "Body": "Carne",
    }
    assert tap.form["OriginalRepliedMessageSid"] == sent.sid
    assert "ButtonPayload" not in tap.form


def test_a_tap_on_a_session_quick_reply_carries_its_id_and_title(
    content: Client, emulator: Emulator
) -> None:
    actions = [{"type": "QUICK_REPLY", "title": str(n), "id": f"party_{n}"} for n in (1, 2, 3)]
    created = create(content, {"twilio/quick-reply": {"body": "¿Cuántos?", "actions": actions}})
    sent = content.messages.create(to=GUEST, from_=SENDER, content_sid=created.sid)
    with Receiver() as service:
        emulator.control(
            "/reply",
            {"from": GUEST, "button": "party_3", "original_sid": sent.sid,
             "url": service.base_url + "/in"},
        )  # fmt: skip
        [tap] = service.wait_for(1, "/in")
    assert (tap.form["ButtonPayload"], tap.form["ButtonText"], tap.form["Body"]) == (
        "party_3",
        "3",
        "3",
    )


def test_an_auto_reply_guest_taps_one_of_a_questions_list_items(
    content: Client, emulator: Emulator
) -> None:
    created = create(content, {"twilio/list-picker": LIST_PICKER})
    with Receiver() as service:
        emulator.configure(auto_reply="yes", inbound_url=service.base_url + "/in")
        sent = content.messages.create(to=GUEST, from_=SENDER, content_sid=created.sid)
        [tap] = service.wait_for(1, "/in")
    assert tap.form["ListId"] in {item["id"] for item in LIST_PICKER["items"]}
    assert tap.form["OriginalRepliedMessageSid"] == sent.sid
