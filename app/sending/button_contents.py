"""A drain's side of questions with buttons: create each content once, and fall back to text.

A reply row with a `content_key` (`app.services.button_asks`) goes with the content's SID
once the content exists at Twilio. The first drain to send one creates it through the
Content API and keeps its SID in `button_contents`, so every later guest shares it; within
a drain, sends of one new content wait for the one creation. Two drains at once may both
create it: the first SID stored wins, the other content is never used. A content Twilio
refuses to create, or whose send it refuses for good, is marked failed and its messages go
as their text question (`body`): the guest always gets the question, once.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace

from sqlalchemy import Connection, text

from app.sending.claims import Claim
from app.sending.client import ContentRefused, ProviderClient, ProviderUnavailable
from app.sending.writer import Database

log = logging.getLogger(__name__)

# Twilio's codes that say the content itself is wrong (invalid ContentSid, variables).
CONTENT_ERRORS = frozenset({21655, 21656})

LOOKUP = text("SELECT request, content_sid, failed_at FROM button_contents WHERE key = :key")
STORE = text("""
UPDATE button_contents SET content_sid = coalesce(content_sid, :sid)
WHERE key = :key RETURNING content_sid
""")
FAIL = text("""
UPDATE button_contents SET failed_at = now(), error = :error WHERE key = :key
""")


def lookup(connection: Connection, key: str) -> tuple[dict[str, object], str | None, bool]:
    """A content's create request, its SID if it has one, and whether it failed."""
    row = connection.execute(LOOKUP, {"key": key}).one()
    return row.request, row.content_sid, row.failed_at is not None


def store(connection: Connection, key: str, sid: str) -> str:
    """Keep a created content's SID (the first stored wins); the SID to use."""
    return str(connection.execute(STORE, {"key": key, "sid": sid}).scalar_one())


def fail(connection: Connection, key: str, error: str) -> None:
    """Mark a content failed: its messages go as text from now on."""
    connection.execute(FAIL, {"key": key, "error": error[:500]})


class ContentResolver:
    """Gives claimed replies their content's SID, creating each content once per drain."""

    def __init__(self, database: Database, provider: ProviderClient) -> None:
        self.database = database
        self.provider = provider
        self.creating: dict[str, asyncio.Task[str | None]] = {}

    async def prepare(self, claim: Claim) -> bool:
        """Give the claim its content's SID; False when it must go as text instead."""
        invitee = claim.invitee
        key = invitee.content_key
        if key is None or invitee.content_sid:
            return True
        task = self.creating.get(key)
        if task is None or (task.done() and task.result() is None):
            task = asyncio.ensure_future(self._create(key))
            self.creating[key] = task
        sid = await asyncio.shield(task)
        if sid is None:
            return False
        claim.invitee = replace(invitee, content_sid=sid)
        return True

    async def _create(self, key: str) -> str | None:
        """The content's SID: stored, else created now; None when it cannot be had."""
        request, sid, failed = await self.database.run(lookup, key)
        if sid or failed:
            return sid if not failed else None
        try:
            created = await self.provider.create_content(request)
        except ContentRefused as error:
            log.warning("content %s refused (%s): its questions go as text", key[:12], error)
            await self.database.run(fail, key, str(error))
            return None
        except ProviderUnavailable as error:
            log.warning("content %s not created (%s): this question goes as text", key[:12], error)
            return None
        return str(await self.database.run(store, key, created))

    async def refused(self, claim: Claim, code: int | None, message: str | None) -> None:
        """A send with the content was refused for good: mark the content failed when the
        content is at fault (the message then goes as text)."""
        key = claim.invitee.content_key
        if key is not None and code in CONTENT_ERRORS:
            self.creating.pop(key, None)
            await self.database.run(fail, key, f"{code}: {message or ''}")
