"""Uploads held between the import preview and the import, in Redis, for a short while.

The organiser sees what a file would do before anything is written; the file itself is
kept here so the import reads exactly what the preview showed. Each is held for
`TTL_SECONDS`, and a user has at most `PER_USER` waiting (a new preview drops the oldest),
so previews can't fill Redis: each is at most a request body (`MAX_CONTENT_LENGTH`).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from app.extensions import redis_store

TTL_SECONDS = 15 * 60
PER_USER = 3
KEY = "guest-upload:{user_id}:{event_id}:{token}"
# A user's waiting uploads (their keys), scored by the time they were kept.
USER_KEY = "guest-uploads:{user_id}"


@dataclass(frozen=True)
class PendingUpload:
    """A file (or pasted text, as UTF-8) waiting to be imported into one event."""

    data: bytes
    filename: str
    pasted: bool


def keep_upload(user_id: int, event_id: int, upload: PendingUpload) -> str:
    """Hold an upload for the user and event, dropping their oldest beyond `PER_USER`;
    return the token that finds it again."""
    token = secrets.token_urlsafe(16)
    key = KEY.format(user_id=user_id, event_id=event_id, token=token)
    waiting = USER_KEY.format(user_id=user_id)
    connection = redis_store.connection
    with connection.pipeline() as pipe:
        pipe.hset(
            key,
            mapping={
                "data": upload.data,
                "filename": upload.filename,
                "pasted": int(upload.pasted),
            },
        )
        pipe.expire(key, TTL_SECONDS)
        pipe.zadd(waiting, {key: time.time()})
        pipe.zremrangebyscore(waiting, "-inf", time.time() - TTL_SECONDS)
        pipe.zrange(waiting, 0, -PER_USER - 1)
        pipe.expire(waiting, TTL_SECONDS)
        older = pipe.execute()[4]
    if older:
        with connection.pipeline() as pipe:
            pipe.delete(*older)
            pipe.zrem(waiting, *older)
            pipe.execute()
    return token


def find_upload(user_id: int, event_id: int, token: str) -> PendingUpload | None:
    """The upload held under `token` for this user and event, or None (expired, replaced by
    newer previews, or never held)."""
    if not token or len(token) > 64:
        return None
    fields: dict[bytes, bytes] = redis_store.connection.hgetall(  # type: ignore[assignment]
        KEY.format(user_id=user_id, event_id=event_id, token=token)
    )
    if not fields:
        return None
    filename = fields[b"filename"].decode("utf-8", "replace")
    return PendingUpload(fields[b"data"], filename, pasted=fields[b"pasted"] == b"1")


def drop_upload(user_id: int, event_id: int, token: str) -> None:
    """Forget an upload once imported."""
    key = KEY.format(user_id=user_id, event_id=event_id, token=token)
    with redis_store.connection.pipeline() as pipe:
        pipe.delete(key)
        pipe.zrem(USER_KEY.format(user_id=user_id), key)
        pipe.execute()
