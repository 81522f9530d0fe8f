"""Request bodies held to `MAX_CONTENT_LENGTH` whatever their framing.

Werkzeug refuses a `Content-Length` over the limit with a 413, but a body without one
(`Transfer-Encoding: chunked`) is only read up to the limit: the rest is silently cut off,
and a truncated CSV imports as if it were whole. Here such a body is read one byte past
the limit, and that byte is a 413. A gzip or deflate body (`Content-Encoding`) is inflated
as it is read and the limit applies to what it inflates to, so that a small compressed
body can't expand into a huge one; other encodings are a 415.
"""

from __future__ import annotations

import io
import typing as t
import zlib

from flask import Request
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge, UnsupportedMediaType
from werkzeug.utils import cached_property
from werkzeug.wsgi import LimitedStream, get_input_stream

CHUNK = 64 * 1024
# zlib's window bits: 32 + 15 detects a gzip or a zlib ("deflate" in HTTP) header by itself.
WINDOW_BITS = {"gzip": 32 + 15, "x-gzip": 32 + 15, "deflate": 32 + 15}


class BoundedStream(LimitedStream):
    """A body stream that answers 413 once it goes past `maximum` bytes, never cuts it."""

    def __init__(self, stream: t.IO[bytes], maximum: int) -> None:
        super().__init__(stream, maximum + 1, is_max=True)
        self.maximum = maximum

    def readinto(self, buffer: bytearray) -> int | None:  # type: ignore[override]
        """Read like `LimitedStream`; a byte past the maximum is a 413."""
        count = super().readinto(buffer)
        if self._pos > self.maximum:
            raise RequestEntityTooLarge()
        return count


class InflatingStream(io.RawIOBase):
    """Decompress a gzip or deflate body as it is read, a bounded chunk at a time."""

    def __init__(self, stream: t.IO[bytes], window_bits: int) -> None:
        self._stream = stream
        self._inflate = zlib.decompressobj(window_bits)
        self._pending = b""

    def readable(self) -> bool:
        """The stream is readable."""
        return True

    def readinto(self, buffer: t.Any) -> int:
        """Fill `buffer` with inflated bytes; 0 at the end of the compressed stream."""
        while not self._pending:
            if self._inflate.eof:
                return 0
            data = self._inflate.unconsumed_tail or self._stream.read(CHUNK)
            if not data:
                raise BadRequest("the compressed body ends before its end marker")
            try:
                self._pending = self._inflate.decompress(data, CHUNK)
            except zlib.error:
                raise BadRequest("the body is not valid gzip or deflate data") from None
        count = min(len(buffer), len(self._pending))
        buffer[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count


class BoundedRequest(Request):
    """Flask's request, whose body stream enforces the limit on every framing."""

    @cached_property
    def stream(self) -> t.IO[bytes]:
        """The body (inflated if compressed), 413 as soon as it passes the limit."""
        maximum = self.max_content_length
        encoding = self.headers.get("Content-Encoding", "identity").strip().lower()
        if encoding not in ("", "identity") and encoding not in WINDOW_BITS:
            raise UnsupportedMediaType(
                f"Content-Encoding {encoding[:40]!r} is not supported: send gzip, or none"
            )
        length = self.content_length
        if maximum is None or (length is None and "wsgi.input_terminated" not in self.environ):
            return super().stream  # no limit, or no body Werkzeug could read safely
        if length is None:
            raw = t.cast(t.IO[bytes], self.environ["wsgi.input"])  # the server ends the body
        else:
            raw = get_input_stream(self.environ, max_content_length=maximum)  # 413 if over
        if encoding in WINDOW_BITS:
            raw = t.cast(t.IO[bytes], InflatingStream(raw, WINDOW_BITS[encoding]))
        elif length is not None:
            return raw  # read up to the declared length, itself within the limit
        return t.cast(t.IO[bytes], BoundedStream(raw, maximum))
