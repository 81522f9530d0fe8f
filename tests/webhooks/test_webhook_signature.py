"""Signature checks on both webhooks: Twilio's algorithms, public URLs, proxies, fail-closed."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.config import parse_shared_keys
from app.webhooks.signature import (
    is_signed,
    parse_settings_header,
)
from tests.support.apps import AppFactory
from tests.support.webhooks import (
    AUTH_TOKEN,
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
SHARED_KEY_ID = "webhooks_sharedkey_01hzx0000000000000000000"
SHARED_SECRET = "shared-key-secret"


def forms() -> list[tuple[str, dict[str, str]]]:
    return [(INBOUND, inbound_form(PHONE, "hello")), (STATUS, status_form(new_sid(), "sent"))]


def test_twilio_documentation_vector() -> None:
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+14158675310",
        "Digits": "1234",
        "From": "+14158675310",
        "To": "+18005551212",
    }
    url = "https://example.com/myapp.php?foo=1&bar=2"
    headers = {"X-Twilio-Signature": "L/OH5YylLD5NRKLltdqwSvS0BnU="}
    assert is_signed(url, params, headers, "12345", {})
    assert not is_signed(url, {**params, "Digits": "1235"}, headers, "12345", {})
    assert not is_signed(url, params, headers, "54321", {})
    assert not is_signed(url.replace("foo=1", "foo=2"), params, headers, "12345", {})


@pytest.mark.parametrize(("path", "form"), forms())
def test_signed_requests_are_accepted(
    app: Flask, client: FlaskClient, path: str, form: dict[str, str]
) -> None:
    assert signed_post(client, path, form).status_code == 200
    assert sum(table_counts(app).values()) == 1


@pytest.mark.parametrize(("path", "form"), forms())
@pytest.mark.parametrize(
    "forgery",
    ["tampered", "added", "removed", "wrong_url", "wrong_token", "missing", "garbage", "sha256"],
)
def test_forged_requests_get_403_and_change_nothing(
    app: Flask, client: FlaskClient, path: str, form: dict[str, str], forgery: str
) -> None:
    url = "http://localhost" + path
    signature = sign(url, form)
    sent = dict(form)
    headers: dict[str, str] = {"X-Twilio-Signature": signature}
    if forgery == "tampered":
        sent["From"] = "whatsapp:+14155550199"
    elif forgery == "added":
        sent["Extra"] = "1"
    elif forgery == "removed":
        sent.pop("AccountSid")
    elif forgery == "wrong_url":
        headers["X-Twilio-Signature"] = sign("https://localhost" + path, form)
    elif forgery == "wrong_token":
        headers["X-Twilio-Signature"] = sign(url, form, token="another-token")
    elif forgery == "missing":
        headers = {}
    elif forgery == "garbage":
        headers["X-Twilio-Signature"] = "bm90IGEgc2lnbmF0dXJl"
    elif forgery == "sha256":  # an auth-token signature claiming the other algorithm
        headers["X-Twilio-Webhooks-Signature-Settings"] = "algorithm=HMAC_SHA256"
    response = client.post(path, data=sent, headers=headers)
    assert response.status_code == 403
    assert table_counts(app) == NOTHING


@pytest.mark.parametrize(("path", "form"), forms())
def test_shared_key_hmac_sha256_signatures(
    app: Flask, client: FlaskClient, path: str, form: dict[str, str]
) -> None:
    current = app.config["SETTINGS"]
    app.config["SETTINGS"] = replace(
        current,
        twilio=replace(current.twilio, webhook_shared_keys={SHARED_KEY_ID: SHARED_SECRET}),
    )
    settings = {
        "X-Twilio-Webhooks-Signature-Settings": f"key={SHARED_KEY_ID},algorithm=HMAC_SHA256"
    }
    response = signed_post(
        client, path, form, token=SHARED_SECRET, headers=settings, algorithm="HMAC_SHA256"
    )
    assert response.status_code == 200
    other = dict(form, MessageSid=new_sid())
    # The Auth Token does not sign shared-key webhooks, nor does SHA-1 pass for SHA-256.
    for token, algorithm in ((AUTH_TOKEN, "HMAC_SHA256"), (SHARED_SECRET, "HMAC_SHA1")):
        forged = signed_post(
            client, path, other, token=token, headers=settings, algorithm=algorithm
        )
        assert forged.status_code == 403
    unknown = {
        "X-Twilio-Webhooks-Signature-Settings": "key=webhooks_sharedkey_other,algorithm=HMAC_SHA256"
    }
    forged = signed_post(
        client, path, other, token=SHARED_SECRET, headers=unknown, algorithm="HMAC_SHA256"
    )
    assert forged.status_code == 403
    assert sum(table_counts(app).values()) == 1


def test_auth_token_with_sha256_and_no_key(app: Flask, client: FlaskClient) -> None:
    settings = {"X-Twilio-Webhooks-Signature-Settings": "algorithm=HMAC_SHA256"}
    form = inbound_form(PHONE, "hello")
    assert (
        signed_post(client, INBOUND, form, headers=settings, algorithm="HMAC_SHA256").status_code
        == 200
    )


def test_shared_keys_are_read_from_the_environment(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TWILIO_WEBHOOK_SHARED_KEYS", f"{SHARED_KEY_ID}={SHARED_SECRET}, old=x")
    built = make_app()
    keys = built.config["SETTINGS"].twilio.webhook_shared_keys
    assert keys == {SHARED_KEY_ID: SHARED_SECRET, "old": "x"}
    settings = {
        "X-Twilio-Webhooks-Signature-Settings": f"key={SHARED_KEY_ID},algorithm=HMAC_SHA256"
    }
    response = signed_post(
        built.test_client(),
        INBOUND,
        inbound_form(PHONE, "hi"),
        token=SHARED_SECRET,
        headers=settings,
        algorithm="HMAC_SHA256",
    )
    assert response.status_code == 200


def test_settings_header_and_key_parsing() -> None:
    parsed = parse_settings_header(" key = abc , algorithm = HMAC_SHA256 ")
    assert (parsed.key_id, parsed.algorithm) == ("abc", "HMAC_SHA256")
    assert parse_settings_header(None).algorithm == "HMAC_SHA1"
    assert parse_settings_header("key=abc").algorithm == "HMAC_SHA1"
    assert parse_shared_keys("a=1,b=2=3, ,c=,=d") == {"a": "1", "b": "2=3"}


def test_public_base_url_is_what_gets_signed(make_app: AppFactory) -> None:
    built = make_app(PUBLIC_BASE_URL="https://invites.example.org/")
    client = built.test_client()
    form = inbound_form(PHONE, "hello")
    public = "https://invites.example.org" + INBOUND
    assert (
        signed_post(
            client, INBOUND + "?tenant=a%20b", form, url=public + "?tenant=a%20b"
        ).status_code
        == 200
    )
    again = dict(form, MessageSid=new_sid())
    assert signed_post(client, INBOUND, again).status_code == 403  # the internal URL
    assert signed_post(client, INBOUND, again, url=public + "?tenant=a").status_code == 403
    assert signed_post(client, INBOUND, again, url=public).status_code == 200
    assert table_counts(built)["inbound_messages"] == 2


def test_proxy_headers_are_trusted_only_when_configured(make_app: AppFactory) -> None:
    # nginx as the README sets it: the public Host (port included) and X-Forwarded-Proto.
    forwarded = {"X-Forwarded-Proto": "https", "Host": "rsvp.example.com:8443"}
    public = "https://rsvp.example.com:8443" + STATUS
    behind_proxy = make_app(TRUSTED_PROXIES="1").test_client()
    form = status_form(new_sid(), "sent")
    assert signed_post(behind_proxy, STATUS, form, url=public, headers=forwarded).status_code == 200
    assert signed_post(behind_proxy, STATUS, form, url=public).status_code == 403
    direct = make_app().test_client()
    assert signed_post(direct, STATUS, form, url=public, headers=forwarded).status_code == 403


def test_a_forwarded_host_counts_only_when_trusted_by_name(make_app: AppFactory) -> None:
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "rsvp.example.com"}
    public = "https://rsvp.example.com" + STATUS
    form = status_form(new_sid(), "sent")
    default = make_app(TRUSTED_PROXIES="1").test_client()  # for and proto only
    assert signed_post(default, STATUS, form, url=public, headers=forwarded).status_code == 403
    named = make_app(TRUSTED_PROXIES="1", TRUSTED_PROXY_HEADERS="for,proto,host").test_client()
    assert signed_post(named, STATUS, form, url=public, headers=forwarded).status_code == 200


def test_validation_can_be_disabled_for_local_development(
    make_app: AppFactory, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="app.webhooks.signature"):
        built = make_app(TWILIO_VALIDATE_SIGNATURES="false")
    assert "signature validation is DISABLED" in caplog.text
    response = built.test_client().post(INBOUND, data=inbound_form(PHONE, "hello"))
    assert response.status_code == 200
    assert table_counts(built)["inbound_messages"] == 1


def test_no_auth_token_fails_closed(make_app: AppFactory, migrated: dict[str, str]) -> None:
    built = make_app(APP_ENV="production", SENDING_ENABLED="false", TWILIO_AUTH_TOKEN="")
    assert built.config["SETTINGS"].twilio.auth_token is None
    client = built.test_client()
    for path, form in forms():
        assert signed_post(client, path, form).status_code == 403
        assert signed_post(client, path, form, token="").status_code == 403
    assert table_counts(built) == NOTHING
