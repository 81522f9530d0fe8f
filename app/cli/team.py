"""`flask users`: the team from the command line (invite, list, set-role, remove, token,
reset-two-factor)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.cli.output import emit, json_option, table
from app.models import User, UserRole
from app.services import team, tokens, two_factor, users
from app.services.team import TeamError
from app.urls import public_url

ROLES = click.Choice([role.value for role in UserRole], case_sensitive=False)


@click.group("users")
def users_group() -> None:
    """The dashboard's users, their roles and API tokens."""


@users_group.command("create")
@click.argument("email")
@click.option("--role", type=ROLES, required=True, help="owner, organiser, viewer or door.")
@with_appcontext
def create_command(email: str, role: str) -> None:
    """Invite EMAIL with ROLE: print a single-use link that expires (shown once)."""
    try:
        made = team.invite(email, UserRole(role.lower()))
    except TeamError as error:
        raise click.ClickException(str(error)) from None
    link = public_url(made.path)
    click.echo(link)
    if link == made.path:
        click.echo("(a path: prefix the dashboard's address, or set PUBLIC_BASE_URL)", err=True)
    click.echo(f"opens once, until {made.invite.expires_at:%Y-%m-%d %H:%M} UTC", err=True)


@users_group.command("list")
@json_option
@with_appcontext
def list_command(as_json: bool) -> None:
    """List the users (and the invite links still open)."""
    members = team.members()
    invites = team.pending_invites()
    data = {
        "users": [
            {
                "email": m.email,
                "role": m.role.value,
                "active": m.active,
                "last_login_at": m.last_login_at,
            }
            for m in members
        ],
        "invites": [
            {"email": i.email, "role": i.role.value, "expires_at": i.expires_at} for i in invites
        ],
    }
    rows = [(m.email, m.role.value if m.active else "removed", m.last_login_at) for m in members]
    rows += [(i.email, f"invited as {i.role.value}", None) for i in invites]
    emit(as_json, data, table(("email", "role", "last sign-in"), rows))


@users_group.command("set-role")
@click.argument("email")
@click.argument("role", type=ROLES)
@with_appcontext
def set_role_command(email: str, role: str) -> None:
    """Give the user EMAIL the role ROLE (the last owner keeps theirs)."""
    user = member(email)
    try:
        team.set_role(user.id, UserRole(role.lower()))
    except TeamError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{user.email} is now {role.lower()}")


@users_group.command("remove")
@click.argument("email")
@with_appcontext
def remove_command(email: str) -> None:
    """Remove the user EMAIL: their sessions and tokens end at once."""
    user = member(email)
    try:
        team.remove(user.id)
    except TeamError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"removed {user.email}: signed out everywhere, tokens revoked")


@users_group.command("token")
@click.argument("email")
@click.option("--name", required=True, help="What the token is for, e.g. 'CRM sync'.")
@click.option("--read-only", is_flag=True, help="Reads only, whatever the user's role.")
@with_appcontext
def token_command(email: str, name: str, read_only: bool) -> None:
    """Make an API token for EMAIL and print it, once."""
    user = member(email)
    try:
        made = tokens.create(user, name, read_only)
    except TeamError as error:
        raise click.ClickException(str(error)) from None
    click.echo(made.secret)


@users_group.command("reset-two-factor")
@click.argument("email")
@with_appcontext
def reset_two_factor_command(email: str) -> None:
    """Turn off EMAIL's two-factor sign-in (a lost phone and recovery codes)."""
    user = member(email)
    two_factor.reset(user)
    click.echo(f"two-factor sign-in is off for {user.email}: they sign in with the password")


def member(email: str) -> User:
    """The active user with this email, else the command ends."""
    user = users.find_by_email(email)
    if user is None or not user.active:
        raise click.ClickException(f"no user {users.normalize_email(email)}")
    return user
