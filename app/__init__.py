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
    """Build the app from the environment, with `config` overriding environment variables.

    A `flask` command (which calls this without `config`) first reads the deployment's
    `.env` (`app.cli.env_file`), so that it works from any directory.
    """
    from app.factory import create_app as build

    if config is None:
        from app.cli.env_file import load_deployment_env

        load_deployment_env()
    return build(config)
