"""Control endpoints under /_emulator/: health, config, reset, inspection, opt-outs, replies."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from app.emulator.callbacks import NoInboundUrl
from app.emulator.config import ConfigError, parse_numbers
from app.emulator.replies import GuestReply
from app.emulator.state import EMULATOR
from app.emulator.store import API_VERSION

PREFIX = "/_emulator"


def add_routes(app: web.Application) -> None:
    """Register the control routes."""
    router = app.router
    router.add_get(f"{PREFIX}/health", health)
    router.add_get(f"{PREFIX}/config", get_config)
    router.add_post(f"{PREFIX}/config", patch_config)
    router.add_post(f"{PREFIX}/reset", reset)
    router.add_get(f"{PREFIX}/messages", messages)
    router.add_get(f"{PREFIX}/counts", counts)
    router.add_get(f"{PREFIX}/stats", stats)
    router.add_get(f"{PREFIX}/optouts", get_optouts)
    router.add_post(f"{PREFIX}/optouts", change_optouts)
    router.add_post(f"{PREFIX}/reply", reply)
    router.add_get(f"{PREFIX}/contents", contents)
    router.add_post(f"{PREFIX}/review", review)


def error(message: str, status: int = 400) -> web.Response:
    """Return a control-endpoint error as `{"error": message}`."""
    return web.json_response({"error": message}, status=status)


async def read_json(request: web.Request) -> dict[str, Any]:
    """Return the JSON object body (empty when there is none); raise ValueError if bad."""
    if not request.can_read_body:
        return {}
    try:
        data = json.loads(await request.text() or "{}")
    except ValueError as exc:
        raise ValueError(f"body is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError("body must be a JSON object")
    return data


async def health(request: web.Request) -> web.Response:
    """Say the emulator is up, and for which account."""
    emulator = request.app[EMULATOR]
    return web.json_response(
        {
            "status": "ok",
            "account_sid": emulator.config.account_sid,
            "api_version": API_VERSION,
            "messages": len(emulator.store.messages),
        }
    )


async def get_config(request: web.Request) -> web.Response:
    """Return every knob."""
    return web.json_response(request.app[EMULATOR].config.to_json())


async def patch_config(request: web.Request) -> web.Response:
    """Change some knobs, all or none; return every knob."""
    try:
        config = request.app[EMULATOR].patch_config(await read_json(request))
    except (ConfigError, ValueError) as exc:
        return error(str(exc))
    return web.json_response(config.to_json())


async def reset(request: web.Request) -> web.Response:
    """Forget messages, counters and pending callbacks; `{"config": true}` restores knobs."""
    try:
        body = await read_json(request)
    except ValueError as exc:
        return error(str(exc))
    restore = bool(body.get("config")) or request.query.get("config") in ("1", "true")
    emulator = request.app[EMULATOR]
    await emulator.reset(restore_config=restore)
    return web.json_response({"status": "reset", "config_restored": restore})


async def messages(request: web.Request) -> web.Response:
    """Return every accepted message (oldest first) with its request parameters."""
    to = request.query.get("to")
    found = [
        message.inspect()
        for message in request.app[EMULATOR].store.messages.values()
        if to is None or message.to == to
    ]
    return web.json_response({"messages": found, "total": len(found)})


async def counts(request: web.Request) -> web.Response:
    """Return how many messages were accepted per recipient `To`."""
    store = request.app[EMULATOR].store
    return web.json_response({"counts": dict(store.counts), "total": store.stats.accepted_total})


async def stats(request: web.Request) -> web.Response:
    """Return the counters."""
    emulator = request.app[EMULATOR]
    return web.json_response(emulator.store.stats.to_json(len(emulator.dispatcher.tasks)))


async def get_optouts(request: web.Request) -> web.Response:
    """Return the opted-out numbers."""
    return web.json_response({"optouts": sorted(request.app[EMULATOR].store.optouts)})


async def change_optouts(request: web.Request) -> web.Response:
    """Add (`add` or `numbers`) and remove (`remove`) opted-out numbers."""
    try:
        body = await read_json(request)
        added = parse_numbers(body.get("add", body.get("numbers", [])))
        removed = parse_numbers(body.get("remove", []))
    except ValueError as exc:
        return error(str(exc))
    optouts = request.app[EMULATOR].store.optouts
    optouts |= added
    optouts -= removed
    return web.json_response({"optouts": sorted(optouts)})


async def reply(request: web.Request) -> web.Response:
    """Make a guest reply to the inbound webhook; return what the webhook answered."""
    try:
        body = await read_json(request)
        guest_reply = GuestReply.from_json(body)
    except ValueError as exc:
        return error(str(exc))
    dispatcher = request.app[EMULATOR].dispatcher
    url = body.get("url")
    try:
        params, result = await dispatcher.send_reply(guest_reply, url=str(url) if url else None)
    except NoInboundUrl as exc:
        return error(str(exc))
    dispatcher.remember(guest_reply)  # the guest stands by it on later messages
    answer = {
        "message_sid": params["MessageSid"],
        "params": params,
        "status": result.status,
        "body": result.body,
        "error": result.error,
    }
    return web.json_response(answer, status=200 if result.status is not None else 502)


async def contents(request: web.Request) -> web.Response:
    """Return every content made through the Content API, oldest first, with its approval."""
    found = [
        {"sid": content.sid, "friendly_name": content.friendly_name, **content.whatsapp()}
        for content in reversed(list(request.app[EMULATOR].contents.newest_first()))
    ]
    return web.json_response({"contents": found, "total": len(found)})


async def review(request: web.Request) -> web.Response:
    """Decide a submitted content now: `{"sid", "status", "rejection_reason"?}`.

    `status` is approved or rejected. Meta rejects for reasons no rule sees (a policy, a
    wording): this plays that decision.
    """
    try:
        body = await read_json(request)
    except ValueError as exc:
        return error(str(exc))
    content = request.app[EMULATOR].contents.get(str(body.get("sid") or ""))
    if content is None or content.approval is None:
        return error("no approval request for this content", 404)
    status = body.get("status")
    if status not in ("approved", "rejected"):
        return error("status must be approved or rejected")
    reason = str(body.get("rejection_reason") or "") if status == "rejected" else ""
    content.approval.decide(status, reason or "The template does not follow WhatsApp's policy.")
    return web.json_response({"sid": content.sid, **content.whatsapp()})
