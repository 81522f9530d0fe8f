"""Guests' own pages: `/e/<token>` (the event, the venue's map, their answer, their pass)
and `/e/<token>.ics` (the calendar entry), and their pass's QR image
(`/e/<token>/pass/<code>.png`), public, reached by an unguessable link.

No dashboard session is read or set here; each client address may open a bounded number of
pages a minute (`PAGES_PER_MINUTE`, counted in Redis and let through when Redis is down: the
pages only read); the token stays out of referrers, caches and search engines.
"""

from __future__ import annotations

import logging
import time

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from redis import RedisError
from werkzeug.exceptions import HTTPException

from app.extensions import redis_store
from app.guest_pages.texts import RIGHT_TO_LEFT, TEXTS, texts_for
from app.models import Rsvp
from app.services import guest_pages, pass_codes, passes
from app.urls import guest_page_url

log = logging.getLogger(__name__)

bp = Blueprint("guest_pages", __name__, template_folder="templates")

# Pages (and calendar files) one client address may open a minute.
PAGES_PER_MINUTE = 60
# A guest's page is theirs alone: never cached by others, indexed, or sent as a referrer.
PRIVATE_HEADERS = {
    "Cache-Control": "private, no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
}


@bp.before_request
def limit_pages() -> None:
    """Refuse a client address past `PAGES_PER_MINUTE` this minute (429)."""
    minute = int(time.time() // 60)
    key = f"guest-pages:{request.remote_addr}:{minute}"
    try:
        pipeline = redis_store.connection.pipeline()
        pipeline.incr(key)
        pipeline.expire(key, 120)
        count = int(pipeline.execute()[0])
    except RedisError as error:
        log.warning("guest page limit not counted (%s)", type(error).__name__)
        return
    if count > PAGES_PER_MINUTE:
        abort(429, description="too many pages opened from this address: wait a minute")


@bp.after_request
def keep_private(response: Response) -> Response:
    """Add the headers that keep the page to its guest."""
    response.headers.update(PRIVATE_HEADERS)
    return response


@bp.get("/e/<token>")
def page(token: str) -> str:
    """The guest's page, in their language."""
    found = guest_pages.find_page(token)
    if found is None:
        abort(404)
    held = passes.current(found.guest_id) if found.passes else None
    return render_template(
        "guest_pages/page.html",
        page=found,
        held=held,
        held_code=pass_codes.shown(held.code) if held else None,
        words=texts_for(found.language),
        answer=answer_words(found),
        direction="rtl" if found.language in RIGHT_TO_LEFT else "ltr",
        calendar_url=url_for("guest_pages.calendar", token=token),
    )


@bp.get("/e/<token>/pass/<code>.png")
def pass_image(token: str, code: str) -> Response:
    """The QR image of the guest's pass (404 once void: a new party, a yes taken back); the
    sample card of the pass template, which Meta fetches when it reviews it."""
    if (token, code) == passes.SAMPLE:
        return current_app.response_class(passes.sample_image(), content_type="image/png")
    if guest_pages.TOKEN.fullmatch(token) is None or pass_codes.normalize(code) != code:
        abort(404)
    image = passes.image(token, code)
    if image is None:
        abort(404)
    return current_app.response_class(image, content_type="image/png")


def answer_words(found: guest_pages.GuestPage) -> str:
    """The guest's answer and party as the page says them, in their language."""
    words = texts_for(found.language)
    if found.waitlisted:
        said = words["waitlisted"]
    elif found.rsvp is None:
        return words["none"]
    else:
        said = words[{"confirmed": "yes", "declined": "no", "maybe": "maybe"}[found.rsvp.value]]
    if found.rsvp is Rsvp.DECLINED:
        return said
    size = found.party_size or 1
    return f"{said} · " + (words["party"].format(n=size) if size > 1 else words["alone"])


@bp.get("/e/<token>.ics")
def calendar(token: str) -> Response:
    """The guest's calendar entry for the event (RFC 5545)."""
    found = guest_pages.find_page(token)
    if found is None:
        abort(404)
    host = request.host.split(":")[0]
    body = guest_pages.calendar(found, guest_page_url(token), host)
    response = current_app.response_class(body, content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = 'attachment; filename="invitation.ics"'
    return response


@bp.errorhandler(404)
@bp.errorhandler(429)
def missing(error: HTTPException) -> tuple[str, int]:
    """A page that says nothing about any guest: the link opens nothing, or wait a minute."""
    if error.code == 429:
        message = "Too many pages opened from this address: wait a minute."
    else:
        message = " · ".join(words["not_found"] for words in TEXTS.values())
    return render_template("guest_pages/missing.html", title=error.name, message=message), (
        error.code or 404
    )
