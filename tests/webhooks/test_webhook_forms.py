"""Bad input gets a clear error and changes nothing: 400 for bad forms, 413 when too big."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from app.services.webhook_forms import FormError, form_pairs, params_of, parse_inbound, parse_status
from tests.support.apps import AppFactory
from tests.support.database import scalar
from tests.support.webhooks import (
    INBOUND,
    NOTHING,
    STATUS,
    inbound_form,
    new_sid,
    sign,
    signed_post,
    status_form,
    table_counts,
)

PHONE = "+14155550100"


def without(form: dict[str, str], name: str) -> dict[str, str]:
    return {key: value for key, value in form.items() if key != name}


BAD_INBOUND = {
    "no MessageSid": without(inbound_form(PHONE, "hi"), "MessageSid"),
    "short MessageSid": inbound_form(PHONE, "hi", MessageSid="SM123"),
    "call SID": inbound_form(PHONE, "hi", MessageSid="CA" + "0" * 32),
    "non-hex MessageSid": inbound_form(PHONE, "hi", MessageSid="SM" + "z" * 32),
    "no From": without(inbound_form(PHONE, "hi"), "From"),
    "blank From": inbound_form(PHONE, "hi", From="  "),
    "no To": without(inbound_form(PHONE, "hi"), "To"),
    "huge From": inbound_form(PHONE, "hi", From="whatsapp:+" + "1" * 60),
    "NUL in body": inbound_form(PHONE, "hi\x00there"),
    "NUL in a name": {**inbound_form(PHONE, "hi"), "X\x00": "1"},
}
BAD_STATUS = {
    "no MessageSid": without(status_form(new_sid(), "sent"), "MessageSid"),
    "no MessageStatus": without(status_form(new_sid(), "sent"), "MessageStatus"),
    "blank MessageStatus": status_form(new_sid(), " "),
    "long MessageStatus": status_form(new_sid(), "x" * 41),
    "lower-case prefix only": status_form("sm" + "g" * 32, "sent"),
}


@pytest.mark.parametrize(
    ("path", "form"),
    [(INBOUND, form) for form in BAD_INBOUND.values()]
    + [(STATUS, form) for form in BAD_STATUS.values()],
    ids=[f"inbound: {k}" for k in BAD_INBOUND] + [f"status: {k}" for k in BAD_STATUS],
)
def test_malformed_forms_get_400(
    app: Flask, client: FlaskClient, path: str, form: dict[str, str]
) -> None:
    response = signed_post(client, path, form)
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"] == "Bad Request"
    assert table_counts(app) == NOTHING


def test_sid_case_and_optional_fields_are_tolerated(app: Flask, client: FlaskClient) -> None:
    form = inbound_form(PHONE, "", MessageSid="MM" + "ABCDEF0123456789" * 2)
    form.pop("ProfileName")
    form["ButtonPayload"] = "p" * 500  # stored cut to its column; the full value stays in params
    form["OriginalRepliedMessageSid"] = "not-a-sid"
    assert signed_post(client, INBOUND, form).status_code == 200
    assert (
        signed_post(client, STATUS, status_form(new_sid(), "sent", ErrorCode="x")).status_code
        == 200
    )
    assert table_counts(app)["inbound_messages"] == 1


@pytest.mark.parametrize("path", [INBOUND, STATUS])
@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", json.dumps(status_form(new_sid(), "sent"))),
        ("text/plain", "MessageSid=x"),
        ("text/xml", "<Response/>"),
        (None, ""),
    ],
)
def test_wrong_content_type_gets_400(
    app: Flask, client: FlaskClient, path: str, content_type: str | None, body: str
) -> None:
    # Signed over the URL alone, as nothing in these bodies is a form parameter.
    headers = {"X-Twilio-Signature": sign("http://localhost" + path, {})}
    if content_type:
        headers["Content-Type"] = content_type
    response = client.post(path, data=body, headers=headers)
    assert response.status_code == 400
    assert "application/x-www-form-urlencoded" in response.get_json()["message"]
    assert table_counts(app) == NOTHING


@pytest.mark.parametrize("path", [INBOUND, STATUS])
def test_multipart_is_refused_even_when_signed(app: Flask, client: FlaskClient, path: str) -> None:
    form = inbound_form(PHONE, "hi") if path == INBOUND else status_form(new_sid(), "sent")
    headers = {"X-Twilio-Signature": sign("http://localhost" + path, form)}
    response = client.post(path, data=form, headers=headers, content_type="multipart/form-data")
    assert response.status_code == 400
    assert table_counts(app) == NOTHING


@pytest.mark.parametrize("path", [INBOUND, STATUS])
def test_unsigned_wrong_content_type_gets_403(app: Flask, client: FlaskClient, path: str) -> None:
    response = client.post(path, data="{}", content_type="application/json")
    assert response.status_code == 403


@pytest.mark.parametrize("path", [INBOUND, STATUS])
def test_oversized_bodies_get_413(make_app: AppFactory, path: str) -> None:
    built = make_app(MAX_CONTENT_LENGTH="2048")
    client = built.test_client()
    form = inbound_form(PHONE, "x" * 4000) if path == INBOUND else status_form(new_sid(), "sent")
    form["Padding"] = "y" * 3000
    assert signed_post(client, path, form).status_code == 413
    small = inbound_form(PHONE, "ok?") if path == INBOUND else status_form(new_sid(), "sent")
    assert signed_post(client, path, small).status_code == 200
    assert sum(table_counts(built).values()) == 1


@pytest.mark.parametrize("path", [INBOUND, STATUS])
def test_webhook_bodies_are_capped_below_the_app_limit(
    app: Flask, client: FlaskClient, path: str
) -> None:
    assert app.config["MAX_CONTENT_LENGTH"] > 1024 * 1024  # sized for CSV uploads
    form = inbound_form(PHONE, "x" * 70_000) if path == INBOUND else status_form(new_sid(), "sent")
    form["Padding"] = "y" * 70_000
    assert signed_post(client, path, form).status_code == 413
    assert table_counts(app) == NOTHING
    # The largest real message: 1,600 Arabic characters, percent-encoded, plus media URLs.
    biggest = inbound_form(PHONE, "ب" * 1600, NumMedia="10")
    biggest.update({f"MediaUrl{n}": "https://api.twilio.com/" + "m" * 150 for n in range(10)})
    assert signed_post(client, INBOUND, biggest).status_code == 200


def test_repeated_parameters_are_all_signed_and_kept(app: Flask, client: FlaskClient) -> None:
    form = MultiDict(list(inbound_form(PHONE, "photos").items()))
    form.add("MediaUrl0", "https://example.com/a.jpg")
    form.add("MediaUrl0", "https://example.com/b.jpg")
    assert signed_post(client, INBOUND, form).status_code == 200
    params = scalar(app, "SELECT params FROM inbound_messages")
    assert params["MediaUrl0"] == ["https://example.com/a.jpg", "https://example.com/b.jpg"]


def test_parsers_directly() -> None:
    pairs = form_pairs(status_form(new_sid(), "UNDELIVERED", ErrorCode=" 63024 ").items())
    parsed = parse_status(pairs)
    assert (parsed.status, parsed.raw_status, parsed.error_code) == (
        "undelivered",
        "UNDELIVERED",
        63024,
    )
    for code in ("", "abc", "-5", "0", "99999999999", "١٢٣"):
        assert (
            parse_status(
                form_pairs(status_form(new_sid(), "failed", ErrorCode=code).items())
            ).error_code
            is None
        )
    inbound = parse_inbound(form_pairs(inbound_form("+5511987654321", "Sim").items()))
    assert (inbound.phone, inbound.e164) == ("+5511987654321", "+5511987654321")
    odd = parse_inbound(form_pairs(inbound_form("12345", "hi", From="messenger:abc").items()))
    assert (odd.phone, odd.e164) == ("abc", None)
    assert params_of([("a", "1"), ("b", "2"), ("a", "3")]) == {"a": ["1", "3"], "b": "2"}
    with pytest.raises(FormError):
        form_pairs([("Body", "\x00")])
