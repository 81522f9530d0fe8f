"""`flask` CLI commands for operators."""

from __future__ import annotations

import logging

import click
from flask import Flask, current_app
from sqlalchemy import func, select

from app.extensions import db
from app.models import User

log = logging.getLogger(__name__)


def register(app: Flask) -> None:
    """Attach the commands to the app."""
    app.cli.add_command(create_admin)


@click.command("create-admin")
@click.option("--email", envvar="ADMIN_EMAIL", required=True, help="Defaults to $ADMIN_EMAIL.")
@click.option(
    "--password", envvar="ADMIN_PASSWORD", required=True, help="Defaults to $ADMIN_PASSWORD."
)
def create_admin(email: str, password: str) -> None:
    """Create the dashboard user, or reset its password if it exists."""
    created = ensure_admin(email, password)
    click.echo(f"{'created' if created else 'updated'} dashboard user {email}")


def ensure_admin(email: str, password: str) -> bool:
    """Create or update a dashboard user; returns whether it was created."""
    if len(password) < 8:
        raise click.BadParameter("the password must have at least 8 characters")
    email = email.strip().lower()
    user = db.session.scalar(select(User).where(func.lower(User.email) == email))
    created = user is None
    if user is None:
        user = User(email=email)
        db.session.add(user)
    user.set_password(password)
    user.active = True
    db.session.commit()
    log.info("dashboard user %s %s", email, "created" if created else "updated")
    return created


def ensure_admin_from_settings() -> None:
    """Apply `ADMIN_EMAIL` / `ADMIN_PASSWORD` when both are set."""
    settings = current_app.config["SETTINGS"]
    if settings.admin_email and settings.admin_password:
        ensure_admin(settings.admin_email, settings.admin_password)
