"""The team (owners only): members and their roles, invite links; and joining by one.

`GET /team` lists the members and the pending invites; `POST /team/invites` makes a link and
shows it once; `POST /team/users/<id>/role` and `/remove` change a member. `/invite/<secret>`
is the link itself: a form for the newcomer's password, which signs them in.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user

from app.dashboard import bp
from app.dashboard.team_forms import ROLE_LABELS, InviteForm, JoinForm
from app.models import UserRole
from app.services import invite_mail, team
from app.services.team import NewInvite, TeamError
from app.services.users import WeakPassword
from app.urls import public_url


@bp.app_template_filter("role_name")
def role_name(role: UserRole | str) -> str:
    """A role as the page's language names it (`owner`, `propietario`)."""
    label = ROLE_LABELS.get(UserRole(role))
    return str(label) if label is not None else str(role)


@bp.get("/team")
def team_page() -> ResponseReturnValue:
    """The members, their roles and the invite links still open."""
    return render_team(InviteForm())


def render_team(form: InviteForm, made: NewInvite | None = None) -> str:
    """The team page, with a link just made shown once."""
    return render_template(
        "dashboard/team.html",
        members=team.members(),
        invites=team.pending_invites(),
        form=form,
        roles=[role.value for role in UserRole],
        made=made,
        link=public_url(made.path) if made else None,
    )


@bp.post("/team/invites")
def invite_user() -> ResponseReturnValue:
    """Make an invite link and show it, once."""
    form = InviteForm()
    if not form.validate_on_submit():
        return render_team(form), 400
    try:
        role = team.parse_role(form.role.data)
        made = team.invite(form.email.data or "", role, current_user.id)
    except TeamError as error:
        form.email.errors = [f"{str(error)[:1].upper()}{str(error)[1:]}."]
        return render_team(form), 400
    if invite_mail.smtp_settings().configured:
        invite_mail.queue_email(made.invite, public_url(made.path))
    return render_team(InviteForm(formdata=None), made), 201


@bp.post("/team/invites/<int:invite_id>/revoke")
def revoke_invite(invite_id: int) -> ResponseReturnValue:
    """Make a pending invite link unusable."""
    return change(lambda: team.revoke_invite(invite_id), _("The invite link no longer opens."))


@bp.post("/team/users/<int:user_id>/role")
def set_user_role(user_id: int) -> ResponseReturnValue:
    """Give a member another role."""
    try:
        role = team.parse_role(request.form.get("role", ""))
    except TeamError as error:
        return refused(error)
    return change(
        lambda: team.set_role(user_id, role), _("Role changed to %(role)s.", role=role_name(role))
    )


@bp.post("/team/users/<int:user_id>/remove")
def remove_user(user_id: int) -> ResponseReturnValue:
    """Remove a member: their sessions and tokens stop working at once."""
    return change(
        lambda: team.remove(user_id), _("Removed: signed out everywhere, tokens revoked.")
    )


def change(apply: Callable[[], object], done: str) -> ResponseReturnValue:
    """Apply a change to the team, then back to its page with what happened."""
    try:
        apply()
    except TeamError as error:
        return refused(error)
    flash(done, "success")
    return redirect(url_for("dashboard.team_page"))


def refused(error: TeamError) -> ResponseReturnValue:
    """A refused change: said on the team's page."""
    flash(_("Not changed: %(error)s.", error=error), "error")
    return redirect(url_for("dashboard.team_page"))


@bp.route("/invite/<secret>", methods=["GET", "POST"])
def accept_invite(secret: str) -> ResponseReturnValue:
    """Join the team by an invite link: choose a password, and be signed in."""
    form = JoinForm()
    try:
        invite = team.open_invite(secret)
    except TeamError as error:
        return render_template("dashboard/join.html", form=None, error=str(error)), 404
    if not form.validate_on_submit():
        return render_template("dashboard/join.html", form=form, invite=invite)
    try:
        user = team.accept_invite(secret, form.password.data or "")
    except (TeamError, WeakPassword) as error:
        return render_template("dashboard/join.html", form=None, error=str(error)), 400
    session.clear()
    login_user(user)
    flash(_("Welcome to the team, as %(role)s.", role=role_name(user.role)), "success")
    return redirect(url_for("dashboard.events_page"))
