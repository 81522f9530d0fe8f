"""The Twilio REST surface: create, list and fetch Messages under /2010-04-01."""

from __future__ import annotations

import asyncio
import base64
import hmac
import logging

from aiohttp import web
from aiohttp.typedefs import Handler

from app.emulator.config import EmulatorConfig
from app.emulator.errors import (
    ApiError,
    authenticate_error,
    not_found,
    server_error,
    too_many_requests,
)
from app.emulator.listing import ListQuery, list_page
from app.emulator.state import EMULATOR, Emulator
from app.emulator.store import API_VERSION
from app.emulator.validation import build_message

log = logging.getLogger(__name__)

# The Messages API (api.twilio.com) and the Content API (content.twilio.com) share one server.
API_PREFIXES = (f"/{API_VERSION}/", "/v1/")
MESSAGES = f"/{API_VERSION}/Accounts/{{account_sid}}/Messages.json"
MESSAGE = f"/{API_VERSION}/Accounts/{{account_sid}}/Messages/{{sid}}.json"
COUNTED_REJECTIONS = (400, 401, 404)


def add_routes(app: web.Application) -> None:
    """Register the REST routes."""
    app.router.add_post(MESSAGES, create_message)
    app.router.add_get(MESSAGES, list_messages)
    app.router.add_get(MESSAGE, fetch_message)


@web.middleware
async def twilio_api_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Authenticate REST calls and answer every REST error with Twilio's JSON shape."""
    if not request.path.startswith(API_PREFIXES):
        return await handler(request)
    emulator = request.app[EMULATOR]
    emulator.store.stats.requests_total += 1
    try:
        if not is_authorized(request.headers.get("Authorization", ""), emulator.config):
            raise authenticate_error()
        return await handler(request)
    except ApiError as error:
        if error.status in COUNTED_REJECTIONS:
            emulator.store.stats.rejected[str(error.code)] += 1
        return error.response()
    except web.HTTPNotFound:
        return not_found(request.path).response()
    except web.HTTPMethodNotAllowed:
        return ApiError(405, 20004, "Method not allowed").response()


def is_authorized(header: str, config: EmulatorConfig) -> bool:
    """Return whether a Basic Authorization header carries the account SID and token."""
    credentials = parse_basic_auth(header)
    if credentials is None:
        return False
    login, password = credentials
    login_ok = hmac.compare_digest(login.encode(), config.account_sid.encode())
    return hmac.compare_digest(password.encode(), config.auth_token.encode()) and login_ok


def parse_basic_auth(header: str) -> tuple[str, str] | None:
    """Return (login, password) from a Basic Authorization header, or None."""
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    login, separator, password = decoded.partition(":")
    return (login, password) if separator else None


def ensure_account(request: web.Request, config: EmulatorConfig) -> None:
    """Answer 404 when the path names another account than the authenticated one."""
    if request.match_info["account_sid"] != config.account_sid:
        raise not_found(request.path)


async def create_message(request: web.Request) -> web.StreamResponse:
    """Create a Message, subject to the concurrency cap and injected faults."""
    emulator = request.app[EMULATOR]
    config = emulator.config
    ensure_account(request, config)
    stats = emulator.store.stats
    stats.create_requests += 1
    if config.max_in_flight and stats.in_flight >= config.max_in_flight:
        stats.faults["concurrency_limited"] += 1
        raise too_many_requests(config.retry_after)
    stats.enter()
    try:
        return await accept_message(request, emulator)
    finally:
        emulator.store.stats.leave()  # stats may have been replaced by a reset meanwhile


async def accept_message(request: web.Request, emulator: Emulator) -> web.StreamResponse:
    """Read the form, play the fault plan, validate, store and answer 201."""
    posted = await request.post()
    form = {key: value for key, value in posted.items() if isinstance(value, str)}
    plan = emulator.faults.plan(emulator.config)
    if plan.rate_limited:
        emulator.store.stats.faults["rate_limited"] += 1
        raise too_many_requests(emulator.config.retry_after)
    if plan.latency:
        await asyncio.sleep(plan.latency)
    if plan.server_error:
        emulator.store.stats.faults["server_error"] += 1
        return server_error(plan.server_error)
    if plan.lost:
        emulator.store.stats.faults["lost"] += 1
        await asyncio.sleep(emulator.config.slow_delay)
        return server_error(502)
    message = build_message(form, emulator.config, emulator.store.optouts, emulator.contents)
    emulator.store.add(message)
    emulator.dispatcher.schedule(message)
    response = web.json_response(message.resource(), status=201)
    if plan.slow:
        emulator.store.stats.faults["slow"] += 1
        log.debug("holding the response for %s", message.sid)
        await asyncio.sleep(emulator.config.slow_delay)
    return response


async def list_messages(request: web.Request) -> web.StreamResponse:
    """List Messages newest first, filtered and paged like Twilio."""
    emulator = request.app[EMULATOR]
    ensure_account(request, emulator.config)
    query = ListQuery.from_query(request.query, emulator.config.page_size)
    matching = [message for message in emulator.store.newest_first() if query.matches(message)]
    return web.json_response(list_page(request.path, query, matching))


async def fetch_message(request: web.Request) -> web.StreamResponse:
    """Fetch one Message by SID."""
    emulator = request.app[EMULATOR]
    ensure_account(request, emulator.config)
    message = emulator.store.get(request.match_info["sid"])
    if message is None:
        raise not_found(request.path)
    return web.json_response(message.resource())
