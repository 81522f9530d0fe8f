"""The Content API under /v1 (Twilio's https://content.twilio.com): contents and approvals."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from app.emulator.content import CONTENT_VERSION, PLACEHOLDER, Approval, StoredContent
from app.emulator.content_review import media_reasons, static_reasons
from app.emulator.errors import ApiError, bad_request, not_found
from app.emulator.listing import MAX_PAGE_SIZE, invalid_parameter
from app.emulator.state import EMULATOR, Emulator

PREFIX = f"/{CONTENT_VERSION}/"
CONTENTS = f"/{CONTENT_VERSION}/Content"
CONTENT = f"{CONTENTS}/{{sid}}"
APPROVALS = f"{CONTENT}/ApprovalRequests"
KNOWN_TYPES = frozenset(
    {
        *("twilio/text", "twilio/media", "twilio/quick-reply", "twilio/call-to-action"),
        *("twilio/list-picker", "twilio/card", "twilio/location", "twilio/carousel"),
        *("twilio/catalog", "twilio/flows", "twilio/schedule", "whatsapp/card"),
        *("whatsapp/authentication", "whatsapp/flows"),
    }
)
CATEGORIES = ("UTILITY", "MARKETING", "AUTHENTICATION")
# WhatsApp template names: lowercase letters, digits and underscores, at most 512.
TEMPLATE_NAME = re.compile(r"^[a-z0-9_]{1,512}$")
LANGUAGE = re.compile(r"^[a-z]{2,3}([_-][A-Za-z]{2,4})?$")
# Twilio's media URLs take variables only in the path, after a static https domain.
STATIC_DOMAIN = re.compile(r"^https?://[^/{}]+/[^{}]*\{\{")
INVALID = 20001  # Twilio's code for a request whose parameters do not validate
# Twilio's documented limits: bodies, quick replies (1 to 10; a session message shows 3),
# list-picker items (1 to 10, each an item of 24 characters, an id of 200, a description
# of 72).
MAX_BODY = 1024
MOST_ACTIONS = 10
MOST_ITEMS = 10
ITEM_LIMITS = (("item", 24), ("id", 200), ("description", 72))


def add_routes(app: web.Application) -> None:
    """Register the Content API routes."""
    router = app.router
    router.add_post(CONTENTS, create_content)
    router.add_get(CONTENTS, list_contents)
    router.add_get(CONTENT, fetch_content)
    router.add_delete(CONTENT, delete_content)
    router.add_post(f"{APPROVALS}/whatsapp", request_approval)
    router.add_get(APPROVALS, fetch_approval)


def base_url(request: web.Request) -> str:
    """Return the scheme and host the client reached us by (resource URLs are absolute)."""
    return f"{request.scheme}://{request.host}"


async def read_object(request: web.Request) -> dict[str, Any]:
    """Return the JSON object body; raise a 400 otherwise."""
    try:
        data = json.loads(await request.text() or "null")
    except ValueError:
        raise bad_request(INVALID, "The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise bad_request(INVALID, "The request body must be a JSON object.")
    return data


def check_create(data: Mapping[str, Any]) -> None:
    """Validate a create request as Twilio does: language, types and variables."""
    language = data.get("language")
    if not isinstance(language, str) or not LANGUAGE.match(language):
        raise bad_request(INVALID, "Invalid language: give an ISO 639-1 code such as 'en'.")
    types = data.get("types")
    if not isinstance(types, dict) or not types:
        raise bad_request(INVALID, "Content must have at least one type in 'types'.")
    for kind, value in types.items():
        check_type(kind, value)
    variables = data.get("variables", {})
    if not isinstance(variables, dict) or not all(
        isinstance(value, str) for value in variables.values()
    ):
        raise bad_request(INVALID, "'variables' must map each variable to a sample string.")


def check_type(kind: str, value: Any) -> None:
    """Validate one entry of `types`: a known type, an object, its body and actions."""
    if kind not in KNOWN_TYPES:
        raise bad_request(INVALID, f"Unknown content type {kind!r}.")
    if not isinstance(value, dict):
        raise bad_request(INVALID, f"{kind} must be an object.")
    body_types = ("twilio/text", "twilio/quick-reply", "twilio/media", "twilio/list-picker")
    if kind in body_types and not value.get("body"):
        raise bad_request(INVALID, f"{kind} requires a body.")
    if len(str(value.get("body") or "")) > MAX_BODY:
        raise bad_request(INVALID, f"{kind} body is longer than {MAX_BODY} characters.")
    if kind == "twilio/list-picker":
        check_list_picker(value)
    check_media(kind, value)
    check_actions(kind, value)


def check_media(kind: str, value: Mapping[str, Any]) -> None:
    """Validate a type's media: a list of URLs, variables only in their paths."""
    media = value.get("media", [])
    if not isinstance(media, list) or not all(isinstance(url, str) for url in media):
        raise bad_request(INVALID, f"{kind} media must be a list of URLs.")
    if kind == "twilio/media" and not media:
        raise bad_request(INVALID, "twilio/media requires at least one media URL.")
    if any(not STATIC_DOMAIN.match(url) for url in media if PLACEHOLDER.search(url)):
        raise bad_request(
            INVALID, "A media URL's variables must come after a static domain, in its path."
        )


def check_actions(kind: str, value: Mapping[str, Any]) -> None:
    """Validate a type's actions: each titled; a quick reply has 1 to 10."""
    actions = value.get("actions", [])
    if not isinstance(actions, list) or not all(
        isinstance(action, dict) and action.get("title") for action in actions
    ):
        raise bad_request(INVALID, f"{kind} actions must each have a title.")
    if kind == "twilio/quick-reply" and not actions:
        raise bad_request(INVALID, "twilio/quick-reply requires at least one action.")
    if kind == "twilio/quick-reply" and len(actions) > MOST_ACTIONS:
        raise bad_request(INVALID, f"twilio/quick-reply takes at most {MOST_ACTIONS} actions.")


def check_list_picker(value: Mapping[str, Any]) -> None:
    """Validate a list picker: its button, and 1 to 10 items within Twilio's lengths."""
    if not isinstance(value.get("button"), str) or not value["button"].strip():
        raise bad_request(INVALID, "twilio/list-picker requires a button.")
    items = value.get("items")
    if not isinstance(items, list) or not 1 <= len(items) <= MOST_ITEMS:
        raise bad_request(INVALID, f"twilio/list-picker takes 1 to {MOST_ITEMS} items.")
    for item in items:
        if not isinstance(item, dict) or not item.get("item") or not item.get("id"):
            raise bad_request(INVALID, "twilio/list-picker items each need an item and an id.")
        for name, most in ITEM_LIMITS:
            if len(str(item.get(name) or "")) > most:
                raise bad_request(
                    INVALID, f"twilio/list-picker item {name} is longer than {most} characters."
                )


def find(emulator: Emulator, request: web.Request) -> StoredContent:
    """Return the content the path names; raise a 404 otherwise."""
    content = emulator.contents.get(request.match_info["sid"])
    if content is None or content.account_sid != emulator.config.account_sid:
        raise not_found(request.path)
    return content


async def create_content(request: web.Request) -> web.StreamResponse:
    """Create a Content resource."""
    emulator = request.app[EMULATOR]
    data = await read_object(request)
    check_create(data)
    content = emulator.contents.create(emulator.config.account_sid, data)
    return web.json_response(content.resource(base_url(request)), status=201)


async def fetch_content(request: web.Request) -> web.StreamResponse:
    """Fetch one Content resource."""
    content = find(request.app[EMULATOR], request)
    return web.json_response(content.resource(base_url(request)))


async def delete_content(request: web.Request) -> web.StreamResponse:
    """Delete one Content resource: 204."""
    emulator = request.app[EMULATOR]
    emulator.contents.delete(find(emulator, request).sid)
    return web.Response(status=204)


async def list_contents(request: web.Request) -> web.StreamResponse:
    """List Content resources newest first, paged with PageSize, Page and PageToken."""
    emulator = request.app[EMULATOR]
    size = page_number(request.query, "PageSize", emulator.config.page_size)
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise invalid_parameter("PageSize", str(size))
    page = page_number(request.query, "Page", 0)
    token = request.query.get("PageToken", "")
    start = int(token.removeprefix("PT")) if token.removeprefix("PT").isdigit() else page * size
    contents = list(emulator.contents.newest_first())
    shown = contents[start : start + size]
    base = base_url(request) + CONTENTS

    def url(at: int, number: int) -> str:
        return f"{base}?PageSize={size}&Page={number}&PageToken=PT{at}"

    return web.json_response(
        {
            "contents": [content.resource(base_url(request)) for content in shown],
            "meta": {
                "first_page_url": f"{base}?PageSize={size}&Page=0",
                "key": "contents",
                "next_page_url": url(start + size, page + 1)
                if start + size < len(contents)
                else None,
                "page": page,
                "page_size": size,
                "previous_page_url": url(max(start - size, 0), page - 1) if page > 0 else None,
                "url": url(start, page),
            },
        }
    )


def page_number(query: Mapping[str, str], name: str, default: int) -> int:
    """Return a whole-number query parameter, or `default`; raise a 400 when it is not one."""
    value = query.get(name)
    if value is None:
        return default
    if not value.isdigit():
        raise invalid_parameter(name, value)
    return int(value)


async def request_approval(request: web.Request) -> web.StreamResponse:
    """Submit a content for WhatsApp approval: Meta's decision is known after the delay."""
    emulator = request.app[EMULATOR]
    content = find(emulator, request)
    data = await read_object(request)
    name, category = str(data.get("name") or ""), str(data.get("category") or "").upper()
    if not TEMPLATE_NAME.match(name):
        raise bad_request(
            INVALID, "Invalid name: use lowercase letters, digits and underscores (at most 512)."
        )
    if category not in CATEGORIES:
        raise bad_request(INVALID, f"Invalid category: use one of {', '.join(CATEGORIES)}.")
    if content.approval is not None:
        raise ApiError(409, INVALID, "This content has already been submitted for approval.")
    reasons = static_reasons(content)
    if not reasons and emulator.webhooks.session is not None:
        reasons = await media_reasons(content, emulator.webhooks.session)
    content.approval = Approval(
        name=name,
        category=category,
        outcome="rejected" if reasons else "approved",
        rejection_reason=reasons[0] if reasons else "",
        due=time.monotonic() + emulator.contents.approval_delay(emulator.config),
    )
    body = {
        "allow_category_change": True,
        "category": category,
        "content_type": content.content_type,
        "name": name,
        "rejection_reason": "",
        "status": "received",
    }
    return web.json_response(body, status=201)


async def fetch_approval(request: web.Request) -> web.StreamResponse:
    """Fetch a content's approval status (`whatsapp`: status, rejection_reason, ...)."""
    content = find(request.app[EMULATOR], request)
    url = base_url(request) + content.url + "/ApprovalRequests"
    return web.json_response(
        {
            "account_sid": content.account_sid,
            "sid": content.sid,
            "url": url,
            "whatsapp": content.whatsapp(),
        }
    )
