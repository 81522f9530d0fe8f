"""The webhooks' TwiML is written as a string: it must be what twilio's library writes."""

from __future__ import annotations

import pytest
from twilio.twiml.messaging_response import MessagingResponse

from app.webhooks.twiml import render

TEXTS = [
    "Thanks, Ana! We've noted 3 people for Boda.",
    "Tom & Jerry <the \"best\"> 'guests'",
    "شكرًا سارة! سجّلنا حضورك وحدك إلى حفل الزفاف.",
    "a]]>b &amp; already escaped &#38; ; line\nbreak\ttab",
    "😀 emoji 👍🏽",
    "",
]


def library(message: str | None, media_url: str | None = None) -> str:
    """What `MessagingResponse` writes for the same answer."""
    response = MessagingResponse()
    if message is None:
        return '<?xml version="1.0" encoding="UTF-8"?><Response />'
    if media_url:
        reply = response.message()
        reply.body(message)
        reply.media(media_url)
    else:
        response.message(message)
    return response.to_xml()


@pytest.mark.parametrize("text", TEXTS)
def test_a_message_is_written_as_the_library_writes_it(text: str) -> None:
    assert render(text) == library(text)


@pytest.mark.parametrize("text", TEXTS)
def test_a_message_with_media_is_written_as_the_library_writes_it(text: str) -> None:
    url = "https://example.com/e/pass.png?code=A&b=<1>"
    assert render(text, url) == library(text, url)


def test_saying_nothing_is_an_empty_response() -> None:
    assert render(None) == '<?xml version="1.0" encoding="UTF-8"?><Response />'
