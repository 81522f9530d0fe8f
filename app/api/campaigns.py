"""Campaigns: create with a pre-flight check, read progress, pause, resume, cancel, retry."""

from app.api import bp  # noqa: F401 - routes are added by the sending engine's work
