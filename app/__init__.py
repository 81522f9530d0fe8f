"""WhatsApp event invitations over Twilio.

`create_app()` builds the Flask application (`app.factory`). It imports Flask when it is
called, not when the package is imported, so that the package's light modules start in
milliseconds (the guest-file reader runs as a child process of its own).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: Mapping[str, str] | None = None) -> Flask:
    """Build the app from the environment, with `config` overriding environment variables
    (`app.factory.create_app`)."""
    from app.factory import create_app as build

    return build(config)
