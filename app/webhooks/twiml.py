"""The TwiML the webhooks answer with: nothing, or one message (with an image: the pass).

The shape is fixed, so it is written as a string with its text escaped, not built as an
XML tree: twilio's `MessagingResponse` builds an ElementTree and serialises it, which cost a
webhook more CPU than its signature check. The output is byte for byte what
`MessagingResponse` writes (tests/webhooks/test_twiml.py holds it to that).
"""

from __future__ import annotations

from xml.sax.saxutils import escape

DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
EMPTY = f"{DECLARATION}<Response />"


def render(message: str | None, media_url: str | None = None) -> str:
    """`<Response/>` to say nothing, else one `<Message>`; beside `<Media>` its text goes in
    `<Body>` (TwiML's nouns are never mixed with bare text)."""
    if message is None:
        return EMPTY
    if media_url:
        reply = element(
            "Message", element("Body", escape(message)) + element("Media", escape(media_url))
        )
    else:
        reply = element("Message", escape(message))
    return f"{DECLARATION}<Response>{reply}</Response>"


def element(name: str, content: str) -> str:
    """`<name>content</name>`, or `<name />` when empty, as ElementTree writes it."""
    return f"<{name}>{content}</{name}>" if content else f"<{name} />"
