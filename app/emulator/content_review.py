"""Meta's review of a WhatsApp template: the rules it rejects by, with its kind of reasons.

The emulator plays Meta on its own (the service checks the same rules before it submits, in
its own code): a template breaking one of these is rejected once the approval delay is over,
with the first reason found. A header image is downloaded, as Meta does with the sample.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import aiohttp

from app.emulator.content import PLACEHOLDER, StoredContent

MAX_BODY = 1024
MAX_BUTTON_TITLE = 20
MAX_QUICK_REPLIES = 3
MAX_HEADER_IMAGE = 5 * 1024 * 1024
HEADER_IMAGE_TYPES = {"image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n"}
MEDIA_TIMEOUT = 10.0
# Meta asks for more words than variables: here, at least two words of text per variable.
WORDS_PER_VARIABLE = 2
WORD = re.compile(r"\w+")
# `{{1}}` then only spaces or punctuation, then `{{2}}`: nothing a reader could take as text.
ADJACENT = re.compile(r"\}\}[^\w{}]*\{\{")
# Only punctuation or spaces between the edge and a variable: "¡{{1}}!" is at both edges.
AT_START = re.compile(r"^[^\w{]*\{\{")
AT_END = re.compile(r"\}\}[^\w}]*$")

EDGE = "Variables can't be at the start or end of the template body."
NEXT_TO = "Variables can't be next to each other: write words between them."
SEQUENCE = "Variable parameters must be numbered in order, {{1}}, {{2}}, ..., without gaps."
RATIO = (
    "This template contains too many variable parameters relative to the message length. "
    "You need to decrease the number of variable parameters or increase the message length."
)
EMPTY = "The template body is empty."
LONG_BODY = f"The template body is longer than {MAX_BODY} characters."
BUTTONS = f"A template can have at most {MAX_QUICK_REPLIES} quick reply buttons."
MEDIA_TYPE = "The header media must be a JPEG or PNG image."
MEDIA_SIZE = "The header image is larger than 5 MB."
MEDIA_FETCH = "The header media could not be downloaded from its sample URL."


def button_too_long(title: str) -> str:
    """Return the reason for a button title over the limit."""
    return f"Button text can't be longer than {MAX_BUTTON_TITLE} characters: {title!r}."


def body_reasons(body: str) -> list[str]:
    """Return why Meta would refuse this body, first reason first."""
    text = body.strip()
    if not text:
        return [EMPTY]
    reasons = []
    if len(text) > MAX_BODY:
        reasons.append(LONG_BODY)
    names = PLACEHOLDER.findall(text)
    if not names:
        return reasons
    if AT_START.match(text) or AT_END.search(text):
        reasons.append(EDGE)
    if ADJACENT.search(text):
        reasons.append(NEXT_TO)
    if names != [str(number) for number in range(1, len(names) + 1)]:
        reasons.append(SEQUENCE)
    words = len(WORD.findall(PLACEHOLDER.sub(" ", text)))
    if words < WORDS_PER_VARIABLE * len(names):
        reasons.append(RATIO)
    return reasons


def action_reasons(actions: Iterable[Mapping[str, Any]]) -> list[str]:
    """Return why Meta would refuse these buttons."""
    actions = list(actions)
    reasons = []
    quick = [action for action in actions if action.get("type", "QUICK_REPLY") == "QUICK_REPLY"]
    if len(quick) > MAX_QUICK_REPLIES:
        reasons.append(BUTTONS)
    reasons += [
        button_too_long(str(action.get("title")))
        for action in actions
        if len(str(action.get("title") or "")) > MAX_BUTTON_TITLE
    ]
    return reasons


def static_reasons(content: StoredContent) -> list[str]:
    """Return why Meta would refuse this content, without downloading its media."""
    reviewed = content.types[content.content_type]
    reasons = body_reasons(str(reviewed.get("body") or ""))
    return reasons + action_reasons(reviewed.get("actions") or [])


async def media_reasons(content: StoredContent, session: aiohttp.ClientSession) -> list[str]:
    """Download the header media (with its sample variables) and check its type and size."""
    _, media = content.render({})
    reasons: list[str] = []
    for url in media[:1]:
        reasons += await check_header_image(url, session)
    return reasons


async def check_header_image(url: str, session: aiohttp.ClientSession) -> list[str]:
    """Return why this header image would be refused: unreachable, not an image, too big."""
    try:
        timeout = aiohttp.ClientTimeout(total=MEDIA_TIMEOUT)
        async with session.get(url, timeout=timeout) as response:
            if response.status != 200:
                return [MEDIA_FETCH]
            declared = response.content_type
            data = await read_at_most(response.content, MAX_HEADER_IMAGE + 1)
    except (TimeoutError, aiohttp.ClientError, ValueError):
        return [MEDIA_FETCH]
    magic = HEADER_IMAGE_TYPES.get(declared)
    if magic is None or not data.startswith(magic):
        return [MEDIA_TYPE]
    if len(data) > MAX_HEADER_IMAGE:
        return [MEDIA_SIZE]
    return []


async def read_at_most(stream: aiohttp.StreamReader, limit: int) -> bytes:
    """Read a body until its end or `limit` bytes, whichever comes first."""
    data = bytearray()
    while len(data) < limit:
        chunk = await stream.read(limit - len(data))
        if not chunk:
            break
        data += chunk
    return bytes(data)
