"""gunicorn's access log as JSON lines like the app's, with the client address the app sees.

gunicorn loads `JsonAccessLogger` (`logger_class` in gunicorn.conf.py) in the master, so this
module imports only the standard library, gunicorn and `app.logs`: never Flask, SQLAlchemy or
redis before the gevent worker patches them.

A line is written once per request, webhooks included, so it is built directly: the line
`JsonFormatter` and `MaskPhones` would make of the record, without making the record (the
logging module's record, its caller lookup and its generic formatting cost about as much as
the line itself).
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from gunicorn.glogging import Logger

from app.logs import JSON_LINE, JsonFormatter, MaskPhones, mask_phones


class JsonAccessLogger(Logger):
    """gunicorn's logger, writing one JSON object per request instead of its text line."""

    def setup(self, cfg: Any) -> None:
        """Format the access log's handler as the app formats its own lines.

        gunicorn runs this at start and again on SIGHUP. Its error log keeps gunicorn's text
        format (stderr: web.err.log under PM2).
        """
        super().setup(cfg)
        # The handlers access lines are written to directly; any other (a syslog handler)
        # gets them as records.
        self.line_handlers: list[logging.StreamHandler[Any]] = []
        for handler in self.access_log.handlers:
            if getattr(handler, "_gunicorn", False) and isinstance(handler, logging.StreamHandler):
                handler.setFormatter(JsonFormatter())
                handler.addFilter(MaskPhones())
                if isinstance(handler, logging.FileHandler):
                    tighten(handler.baseFilename)
                self.line_handlers.append(handler)
        self.record_handlers = [h for h in self.access_log.handlers if h not in self.line_handlers]

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta) -> None:
        """Log the request as `METHOD /path status`, with its fields as keys.

        Called after the app answered, with the environ the app saw: ProxyFix (TRUSTED_PROXIES)
        has already set `REMOTE_ADDR` to the client it trusts, so the address is the app's.
        """
        if not self.access_log_enabled:
            return
        try:
            fields = access_fields(resp, environ, request_time)
            message = f"{fields['method']} {fields['path']} {fields['status']}"
            if self.line_handlers:
                line = access_line(self.access_log.name, message, fields) + "\n"
                for handler in self.line_handlers:
                    write_line(handler, line)
            if self.record_handlers:
                record = self.access_log.makeRecord(
                    self.access_log.name, logging.INFO, "", 0, message, None, None, extra=fields
                )
                for handler in self.record_handlers:
                    if record.levelno >= handler.level:
                        handler.handle(record)
        except Exception:  # noqa: BLE001 - a log line must never break the response
            self.exception("Could not write the access log line")


def write_line(handler: logging.StreamHandler[Any], line: str) -> None:
    """Write a finished line to a stream handler's stream as its `emit` would (under its
    lock, flushed: gunicorn swaps the stream under the same lock when it reopens the file)."""
    with handler.lock:  # type: ignore[union-attr]
        handler.stream.write(line)
        handler.flush()


def access_line(logger: str, message: str, fields: Mapping[str, Any]) -> str:
    """The JSON line `JsonFormatter` writes for an INFO record of `logger` with this message
    and these `extra=` fields, masked as `MaskPhones` masks it (its strings)."""
    entry: dict[str, Any] = {
        "ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "level": "info",
        "logger": logger,
        "msg": mask_phones(message),
    }
    for key, value in fields.items():
        entry[key] = mask_phones(value) if isinstance(value, str) else value
    return JSON_LINE.encode(entry)


def access_fields(resp: Any, environ: Mapping[str, Any], request_time: timedelta) -> dict[str, Any]:
    """The keys of an access line, from what gunicorn has at hand: no query string ever
    (guest searches and sign-in redirects carry phone numbers there), no headers but the
    user agent."""
    return {
        "method": environ.get("REQUEST_METHOD", "-"),
        "path": wsgi_text(environ.get("PATH_INFO", "")),
        "status": getattr(resp, "status_code", None),
        "bytes": resp.sent,
        "duration_ms": round(request_time.total_seconds() * 1000, 3),
        "client": environ.get("REMOTE_ADDR") or "-",
        "user_agent": environ.get("HTTP_USER_AGENT", "-"),
    }


def wsgi_text(value: str) -> str:
    """A WSGI string (UTF-8 bytes carried as Latin-1, PEP 3333) as the text it stands for."""
    return value.encode("latin-1", "replace").decode("utf-8", "replace")


def tighten(path: str) -> None:
    """Take a log file from an earlier start down to 0640 (new ones get it from the umask);
    leave anything but a regular file (/dev/null) alone."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    if stat.S_ISREG(mode) and stat.S_IMODE(mode) & ~0o640:
        os.chmod(path, stat.S_IMODE(mode) & 0o640)
