"""Structured logging to stdout: one JSON object per line, phone numbers masked from INFO up."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

_STANDARD_ATTRS = set(vars(logging.makeLogRecord({})))
# E.164 numbers as they appear in messages, form values and URLs: +14155550100,
# whatsapp:+14155550100, %2B14155550100 (a `+` percent-encoded in a query string).
PHONE = re.compile(r"(?<![\w+])(?:\+|%2[bB])\d{7,15}(?!\d)")
# One encoder for every line (`json.dumps` with options builds a new one each call).
JSON_LINE = json.JSONEncoder(default=str, ensure_ascii=False)


class JsonFormatter(logging.Formatter):
    """Format a record as JSON, with any `extra=` fields kept as keys."""

    def format(self, record: logging.LogRecord) -> str:
        """Render the record."""
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update(
            (key, value) for key, value in vars(record).items() if key not in _STANDARD_ATTRS
        )
        if record.exc_info:
            entry["exc"] = record.exc_text or self.formatException(record.exc_info)
        return JSON_LINE.encode(entry)


class MaskPhones(logging.Filter):
    """Mask phone numbers in INFO and higher records, whichever logger wrote them.

    Code should log `mask_phone(number)` already; this catches what it misses (a library's
    message, an exception text, an `extra=` field). DEBUG keeps full numbers for local work.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message and string extras in place; never drop it."""
        if record.levelno < logging.INFO:
            return True
        message = record.getMessage()
        masked = mask_phones(message)
        if masked != message:
            record.msg, record.args = masked, None
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and isinstance(value, str):
                setattr(record, key, mask_phones(value))
        if record.exc_info:
            text = record.exc_text or logging.Formatter().formatException(record.exc_info)
            record.exc_text = mask_phones(text)
        return True


def mask_phones(text: str) -> str:
    """Mask every phone number in `text` (see `mask_phone`)."""
    return PHONE.sub(
        lambda match: mask_phone(match.group().replace("%2B", "+").replace("%2b", "+")), text
    )


def configure(level: str) -> None:
    """Install the JSON handler, which masks phones, on the root logger (once per process)."""
    root = logging.getLogger()
    root.setLevel(level)
    if not any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(JsonFormatter())
        handler.addFilter(MaskPhones())
        root.addHandler(handler)
    for noisy in ("alembic.runtime.plugins",):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def mask_phone(phone: str | None) -> str:
    """Hide all but the last 4 digits of a phone number, for INFO logs."""
    if not phone:
        return ""
    digits = phone.split(":")[-1]
    return f"{digits[:-4].rstrip('0123456789')}***{digits[-4:]}"
