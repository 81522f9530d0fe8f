"""The REST surface through the real twilio client: create, validation, auth, fetch, list."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from tests.support.constants import SENDER, TEMPLATE_SID
from tests.support.emulator import Emulator
from tests.support.polling import eventually

pytestmark = pytest.mark.slow

GUEST = "whatsapp:+12025550123"
SID = re.compile(r"^SM[0-9a-f]{32}$")
RFC2822 = re.compile(r"^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$")


def test_create_with_body_returns_a_queued_message(twilio_client: Client) -> None:
    message = twilio_client.messages.create(to=GUEST, from_=SENDER, body="You are invited")

    assert SID.match(message.sid)
    assert message.status == "queued"
    assert message.to == GUEST
    assert message.from_ == SENDER
    assert message.body == "You are invited"
    assert message.direction == "outbound-api"
    assert message.error_code is None
    assert message.num_segments == "1"
    assert message.price is None
    assert message.api_version == "2010-04-01"
    assert isinstance(message.date_created, datetime)
    assert message.uri.endswith(f"/Messages/{message.sid}.json")


def test_create_response_has_twilios_exact_shape(emulator: Emulator) -> None:
    response = emulator.create(To=GUEST, From=SENDER, Body="Hi")

    assert response.status_code == 201
    resource = response.json()
    assert set(resource) == {
        "account_sid", "api_version", "body", "date_created", "date_sent", "date_updated",
        "direction", "error_code", "error_message", "from", "messaging_service_sid",
        "num_media", "num_segments", "price", "price_unit", "sid", "status",
        "subresource_uris", "to", "uri",
    }  # fmt: skip
    assert resource["account_sid"] == emulator.account_sid
    assert resource["num_media"] == "0"
    assert resource["price_unit"] == "USD"
    for key in ("date_created", "date_updated"):
        assert RFC2822.match(resource[key]), resource[key]
    assert resource["date_sent"] is None  # still queued
    assert resource["subresource_uris"]["media"].endswith(f"{resource['sid']}/Media.json")


def test_create_with_template_keeps_the_request_params(
    twilio_client: Client, emulator: Emulator
) -> None:
    variables = json.dumps({"1": "Zoë", "2": "حفل الزفاف"}, ensure_ascii=False)
    message = twilio_client.messages.create(
        to=GUEST,
        messaging_service_sid="MG" + "1" * 32,
        content_sid=TEMPLATE_SID,
        content_variables=variables,
        status_callback="https://example.org/webhooks/twilio/status",
        validity_period=3600,
    )

    assert message.status == "accepted"
    assert message.messaging_service_sid == "MG" + "1" * 32
    stored = emulator.get("/messages")["messages"]
    assert len(stored) == 1
    assert stored[0]["sid"] == message.sid
    assert stored[0]["content_sid"] == TEMPLATE_SID
    assert json.loads(stored[0]["content_variables"]) == {"1": "Zoë", "2": "حفل الزفاف"}
    assert stored[0]["status_callback"] == "https://example.org/webhooks/twilio/status"
    assert stored[0]["validity_period"] == 3600
    assert stored[0]["params"]["To"] == GUEST


@pytest.mark.parametrize(
    ("form", "code"),
    [
        ({"From": SENDER, "Body": "x"}, 21604),
        ({"To": GUEST, "Body": "x"}, 21603),
        ({"To": GUEST, "MessagingServiceSid": "MG123", "Body": "x"}, 21701),
        ({"To": GUEST, "From": SENDER}, 21619),
        ({"To": GUEST, "From": SENDER, "Body": "x" * 1601}, 21617),
        ({"To": GUEST, "From": SENDER, "ContentSid": "HX123"}, 21655),
        ({"To": GUEST, "From": SENDER, "ContentSid": TEMPLATE_SID, "ContentVariables": "{"}, 21656),
        (
            {"To": GUEST, "From": SENDER, "ContentSid": TEMPLATE_SID, "ContentVariables": "[]"},
            21656,
        ),
        ({"To": GUEST, "From": SENDER, "Body": "x", "ValidityPeriod": "0"}, 90007),
        ({"To": GUEST, "From": SENDER, "Body": "x", "ValidityPeriod": "36001"}, 90007),
        ({"To": GUEST, "From": SENDER, "Body": "x", "ValidityPeriod": "soon"}, 90014),
        ({"To": GUEST, "From": SENDER, "Body": "x", "StatusCallback": "ftp://x"}, 21609),
        ({"To": "whatsapp:+1555", "From": SENDER, "Body": "x"}, 21211),
        ({"To": "whatsapp:+15551234567", "From": SENDER, "Body": "x"}, 21211),
        ({"To": "whatsapp:12025550123", "From": SENDER, "Body": "x"}, 21211),
        ({"To": "+12025550123", "From": SENDER, "Body": "x"}, 21910),
    ],
)
def test_invalid_requests_get_twilios_400(
    emulator: Emulator, form: dict[str, str], code: int
) -> None:
    response = emulator.create(**form)

    assert response.status_code == 400
    assert response.json() == {
        "code": code,
        "message": response.json()["message"],
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": 400,
    }
    assert emulator.get("/counts")["total"] == 0


def test_invalid_number_raises_21211(twilio_client: Client) -> None:
    with pytest.raises(TwilioRestException) as raised:
        twilio_client.messages.create(to="whatsapp:+1555", from_=SENDER, body="x")

    assert raised.value.status == 400
    assert raised.value.code == 21211


def test_configured_invalid_prefix_raises_21211(twilio_client: Client, emulator: Emulator) -> None:
    emulator.configure(invalid_numbers=["+1202555"])

    with pytest.raises(TwilioRestException) as raised:
        twilio_client.messages.create(to=GUEST, from_=SENDER, body="x")

    assert raised.value.code == 21211


def test_opted_out_recipient_raises_21610(twilio_client: Client, emulator: Emulator) -> None:
    assert emulator.post("/optouts", {"add": [GUEST]}).json() == {"optouts": ["+12025550123"]}

    with pytest.raises(TwilioRestException) as raised:
        twilio_client.messages.create(to=GUEST, from_=SENDER, body="x")
    assert raised.value.status == 400
    assert raised.value.code == 21610

    emulator.post("/optouts", {"remove": ["+12025550123"]})
    assert twilio_client.messages.create(to=GUEST, from_=SENDER, body="x").status == "queued"


def test_bad_credentials_raise_20003(emulator: Emulator) -> None:
    http_client = TwilioHttpClient(timeout=10)
    client = Client(emulator.account_sid, "wrong-token", http_client=http_client)
    client.api.base_url = emulator.url
    try:
        with pytest.raises(TwilioRestException) as raised:
            client.messages.create(to=GUEST, from_=SENDER, body="x")
    finally:
        if http_client.session is not None:
            http_client.session.close()

    assert raised.value.status == 401
    assert raised.value.code == 20003
    assert emulator.get("/stats")["rejected"] == {"20003": 1}


def test_missing_credentials_get_401_json(emulator: Emulator) -> None:
    response = emulator.session.get(emulator.messages_url, timeout=10)

    assert response.status_code == 401
    assert response.json() == {
        "code": 20003,
        "message": "Authenticate",
        "more_info": "https://www.twilio.com/docs/errors/20003",
        "status": 401,
    }


def test_another_account_in_the_path_gets_20404(emulator: Emulator) -> None:
    url = emulator.messages_url.replace(emulator.account_sid, "AC" + "b" * 32)
    form = {"To": GUEST, "From": SENDER, "Body": "x"}
    response = emulator.session.post(url, data=form, auth=emulator.auth, timeout=10)

    assert response.status_code == 404
    assert response.json()["code"] == 20404


def test_fetch_by_sid(twilio_client: Client) -> None:
    created = twilio_client.messages.create(to=GUEST, from_=SENDER, body="x")

    fetched = twilio_client.messages(created.sid).fetch()

    assert fetched.sid == created.sid
    assert fetched.to == GUEST
    assert fetched.date_created == created.date_created


def test_fetch_unknown_sid_raises_20404(twilio_client: Client) -> None:
    with pytest.raises(TwilioRestException) as raised:
        twilio_client.messages("SM" + "0" * 32).fetch()

    assert raised.value.status == 404
    assert raised.value.code == 20404


def wait_until_sent(client: Client, sid: str) -> None:
    """Wait until a message has left the queue (it has a `date_sent` from then on)."""
    assert eventually(lambda: client.messages(sid).fetch().date_sent is not None, 5)


def test_list_filters_by_recipient_and_date_across_pages(twilio_client: Client) -> None:
    started = datetime.now(UTC) - timedelta(seconds=1)
    sent = [
        twilio_client.messages.create(to=GUEST, from_=SENDER, body=f"#{n}").sid for n in range(7)
    ]
    twilio_client.messages.create(to="whatsapp:+12025550124", from_=SENDER, body="other")
    for sid in sent:
        wait_until_sent(twilio_client, sid)

    listed = twilio_client.messages.list(
        to=GUEST, from_=SENDER, date_sent_after=started, page_size=3
    )

    assert [message.sid for message in listed] == list(reversed(sent))
    assert len(twilio_client.messages.list(page_size=2)) == 8
    assert len(list(twilio_client.messages.stream(to=GUEST, page_size=2, limit=5))) == 5


def test_list_date_filters_exclude_other_days(twilio_client: Client) -> None:
    wait_until_sent(
        twilio_client, twilio_client.messages.create(to=GUEST, from_=SENDER, body="x").sid
    )
    today = datetime.now(UTC)

    assert len(twilio_client.messages.list(date_sent_before=today - timedelta(days=1))) == 0
    assert len(twilio_client.messages.list(date_sent_after=today + timedelta(hours=1))) == 0
    assert len(twilio_client.messages.list(date_sent=today.date().isoformat())) == 1
    assert len(twilio_client.messages.list(date_sent_before=today + timedelta(seconds=5))) == 1


def test_list_envelope_has_twilios_paging_keys(emulator: Emulator) -> None:
    for _ in range(3):
        emulator.create(To=GUEST, From=SENDER, Body="x")

    response = emulator.session.get(
        emulator.messages_url,
        params={"To": GUEST, "PageSize": "2"},
        auth=emulator.auth,
        timeout=10,
    )
    page = response.json()

    assert response.status_code == 200
    assert page["page"] == 0
    assert page["page_size"] == 2
    assert page["start"] == 0
    assert page["end"] == 1
    assert page["previous_page_uri"] is None
    assert "PageToken=PA" in page["next_page_uri"]
    assert page["first_page_uri"].startswith("/2010-04-01/Accounts/")
    assert len(page["messages"]) == 2


def test_bad_auth_on_list_is_refused(emulator: Emulator) -> None:
    http_client = TwilioHttpClient(timeout=10)
    client = Client(emulator.account_sid, "wrong-token", http_client=http_client)
    client.api.base_url = emulator.url
    try:
        with pytest.raises(TwilioException):
            client.messages.list()
    finally:
        if http_client.session is not None:
            http_client.session.close()
