"""Uploads held between the import preview and the import, in Redis, for an hour.

The organiser sees what a file would do before anything is written; the file itself is
kept here so the import reads exactly what the preview showed.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from app.extensions import redis_store

TTL_SECONDS = 3600
KEY = "guest-upload:{event_id}:{token}"


@dataclass(frozen=True)
class PendingUpload:
    """A file (or pasted text, as UTF-8) waiting to be imported into one event."""

    data: bytes
    filename: str
    pasted: bool


def keep_upload(event_id: int, upload: PendingUpload) -> str:
    """Hold an upload for the event; return the token that finds it again."""
    token = secrets.token_urlsafe(16)
    redis_store.connection.hset(
        KEY.format(event_id=event_id, token=token),
        mapping={"data": upload.data, "filename": upload.filename, "pasted": int(upload.pasted)},
    )
    redis_store.connection.expire(KEY.format(event_id=event_id, token=token), TTL_SECONDS)
    return token


def find_upload(event_id: int, token: str) -> PendingUpload | None:
    """The upload held under `token` for this event, or None (expired, or never held)."""
    if not token or len(token) > 64:
        return None
    fields: dict[bytes, bytes] = redis_store.connection.hgetall(  # type: ignore[assignment]
        KEY.format(event_id=event_id, token=token)
    )
    if not fields:
        return None
    filename = fields[b"filename"].decode("utf-8", "replace")
    return PendingUpload(fields[b"data"], filename, pasted=fields[b"pasted"] == b"1")


def drop_upload(event_id: int, token: str) -> None:
    """Forget an upload once imported."""
    redis_store.connection.delete(KEY.format(event_id=event_id, token=token))
