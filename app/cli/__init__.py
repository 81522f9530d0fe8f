"""`flask` CLI commands for operators: the admin user, the team (`users`), workers, jobs,
campaigns, spool, doctor.

Each inspection command prints a table (or `--json`) and exits 1 when what it shows is
unhealthy, so that cron or CI can alert on it.
"""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from app.services import users


def register(app: Flask) -> None:
    """Attach the commands to the app."""
    from app.cli.campaigns import campaigns_group
    from app.cli.doctor import doctor_command
    from app.cli.jobs import jobs_group, workers_command
    from app.cli.spool import spool_group
    from app.cli.team import users_group

    for command in (
        create_admin,
        workers_command,
        jobs_group,
        campaigns_group,
        spool_group,
        doctor_command,
        users_group,
    ):
        app.cli.add_command(command)


@click.command("create-admin")
@click.option("--email", envvar="ADMIN_EMAIL", required=True, help="Defaults to $ADMIN_EMAIL.")
@click.option(
    "--password", envvar="ADMIN_PASSWORD", required=True, help="Defaults to $ADMIN_PASSWORD."
)
@click.option(
    "--keep-sessions",
    is_flag=True,
    help="Keep the user signed in where it is when the password is unchanged (start-up).",
)
@with_appcontext
def create_admin(email: str, password: str, keep_sessions: bool) -> None:
    """Create the dashboard user, or reset its password and sign it out everywhere."""
    created = ensure_admin(email, password, keep_sessions)
    click.echo(f"{'created' if created else 'updated'} dashboard user {email}")


def ensure_admin(email: str, password: str, keep_sessions: bool = False) -> bool:
    """Create or update a dashboard user; returns whether it was created."""
    try:
        return users.ensure_admin(email, password, keep_sessions)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


def ensure_admin_from_settings() -> None:
    """Apply `ADMIN_EMAIL` / `ADMIN_PASSWORD` when both are set."""
    settings = current_app.config["SETTINGS"]
    if settings.admin_email and settings.admin_password:
        ensure_admin(settings.admin_email, settings.admin_password, keep_sessions=True)
