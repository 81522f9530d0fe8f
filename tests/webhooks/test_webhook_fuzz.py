"""Property-based fuzzing of both webhooks: unsigned never writes, signed never fails."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.support.factories import seed
from tests.support.webhooks import INBOUND, NOTHING, STATUS, signed_post, table_counts

FUZZ = settings(
    max_examples=300,
    deadline=None,
    database=None,  # no example database written into the tree
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SEEDED_SID = "SM" + "5" * 32
GUEST = "+5511987654321"

# Any text an HTTP form can carry (no lone surrogates, which cannot be encoded).
texts = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
header_values = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=60)
sids = st.one_of(
    st.just(SEEDED_SID),
    st.from_regex(r"\A(SM|MM|sm)[0-9a-fA-F]{32}\Z"),
    st.from_regex(r"\A(SM|CA)[0-9a-fA-F]{30,34}\Z"),
    texts,
)
addresses = st.one_of(
    st.just(f"whatsapp:{GUEST}"),
    st.from_regex(r"\Awhatsapp:\+[0-9]{1,20}\Z"),
    st.text(max_size=50),
)
bodies = st.one_of(
    st.sampled_from(["yes", "Sí", "não", "نعم", "STOP", "alta", "maybe", "👍", ""]), texts
)
statuses = st.one_of(
    st.sampled_from(["queued", "sent", "delivered", "read", "failed", "undelivered", "Read"]),
    texts,
)
error_codes = st.one_of(st.sampled_from(["63024", "21610", "30008", ""]), texts)
extra_params = st.dictionaries(texts, texts, max_size=5)


def maybe(field: str, values: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, str]]:
    """A one-field dict most of the time, else nothing: required fields are sometimes missing."""
    return st.integers(0, 9).flatmap(
        lambda draw: values.map(lambda value: {field: value}) if draw else st.just({})
    )


def merged(*parts: st.SearchStrategy[dict[str, str]]) -> st.SearchStrategy[dict[str, str]]:
    return st.tuples(*parts).map(lambda dicts: {k: v for d in dicts for k, v in d.items()})


inbound_forms = merged(
    extra_params,
    maybe("MessageSid", sids),
    maybe("From", addresses),
    maybe("To", addresses),
    maybe("Body", bodies),
    maybe("ButtonPayload", st.one_of(st.sampled_from(["yes", "NO", "Maybe"]), texts)),
    maybe("ButtonText", bodies),
    maybe("OriginalRepliedMessageSid", sids),
    maybe("ProfileName", st.text(max_size=300)),
)
status_forms = merged(
    extra_params,
    maybe("MessageSid", sids),
    maybe("MessageStatus", statuses),
    maybe("ErrorCode", error_codes),
)
forged_headers = st.fixed_dictionaries(
    {},
    optional={
        "X-Twilio-Signature": header_values,
        "X-Twilio-Webhooks-Signature-Settings": header_values,
        "X-Forwarded-Proto": st.sampled_from(["http", "https"]),
        "X-Forwarded-Host": header_values,
        "I-Twilio-Idempotency-Token": header_values,
    },
)


@FUZZ
@given(
    path=st.sampled_from([INBOUND, STATUS]),
    form=inbound_forms | status_forms,
    headers=forged_headers,
)
def test_unsigned_requests_are_refused_and_write_nothing(
    app: Flask, client: FlaskClient, path: str, form: dict[str, str], headers: dict[str, str]
) -> None:
    response = client.post(path, data=form, headers=headers)
    assert response.status_code == 403
    assert table_counts(app) == NOTHING


def ensure_seeded(app: Flask) -> None:
    """Seed the guest whose invitation SID the fuzzer often hits, once per test."""
    if not app.config.get("FUZZ_SEEDED"):
        seed(app, GUEST, message_sid=SEEDED_SID)
        app.config["FUZZ_SEEDED"] = True


def check_signed(client: FlaskClient, path: str, form: dict[str, Any]) -> None:
    """A correctly signed form is applied (200, TwiML) or refused as malformed (400)."""
    response = signed_post(client, path, form)
    event(f"HTTP {response.status_code}")
    assert response.status_code in (200, 400), response.get_data(as_text=True)
    if response.status_code == 200:
        assert response.mimetype == "text/xml"
        assert response.get_data(as_text=True).startswith('<?xml version="1.0" encoding="UTF-8"?>')


@FUZZ
@given(form=inbound_forms)
def test_signed_inbound_never_fails(app: Flask, client: FlaskClient, form: dict[str, str]) -> None:
    ensure_seeded(app)
    check_signed(client, INBOUND, form)


@FUZZ
@given(form=status_forms)
def test_signed_status_never_fails(app: Flask, client: FlaskClient, form: dict[str, str]) -> None:
    ensure_seeded(app)
    check_signed(client, STATUS, form)
