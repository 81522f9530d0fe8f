"""`flask campaigns` and `flask campaigns pause|resume|cancel ID`, through the services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click
from flask.cli import with_appcontext

from app.cli.output import duration, emit, json_option, table
from app.extensions import db
from app.models import Campaign
from app.services import campaigns
from app.services.campaign_status import campaign_status
from app.services.campaigns import ACTIVE, CampaignError


@click.group("campaigns", invoke_without_command=True)
@click.option("--all", "show_all", is_flag=True, help="Finished campaigns too, newest first.")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@json_option
@with_appcontext
def campaigns_group(show_all: bool, limit: int, as_json: bool) -> None:
    """List scheduled, running and paused campaigns: kind, state, counts, rate, time left."""
    if click.get_current_context().invoked_subcommand is not None:
        return
    query = db.select(Campaign).order_by(Campaign.id.desc()).limit(limit)
    if not show_all:
        query = query.where(Campaign.state.in_(ACTIVE))
    found = list(db.session.scalars(query))
    progress = campaigns.progresses([campaign.id for campaign in found])
    statuses = [campaign_status(campaign, progress[campaign.id]) for campaign in found]
    rows = [
        (
            s.id,
            s.event_id,
            s.kind,
            f"{s.state} {s.send_at[:16]}" if s.send_at and s.state == "scheduled" else s.state,
            s.total,
            *(s.counts[state] for state in ("pending", "sending", "accepted", "failed")),
            f"{s.percent}%",
            f"{s.rate_per_second:g}/s",
            duration(s.seconds_left),
        )
        for s in statuses
    ]
    headers = ("id", "event", "kind", "state", "total", "pending", "sending", "accepted", "failed")
    text = table((*headers, "done", "rate", "left"), rows)
    if not statuses:
        text = "no campaign" if show_all else "no active campaign (--all for the rest)"
    emit(as_json, {"campaigns": [status.as_json() for status in statuses]}, text)


def control(action: str, apply: Callable[[int], Any]) -> click.Command:
    """A `campaigns <action> ID` command calling the service the API and dashboard use."""

    @click.argument("campaign_id", type=click.IntRange(min=1))
    @with_appcontext
    def command(campaign_id: int) -> None:
        try:
            said = apply(campaign_id)
        except CampaignError as error:
            raise click.ClickException(str(error)) from None
        click.echo(said)

    command.__doc__ = f"{action.capitalize()} a campaign."
    return click.command(action)(command)


def _cancel(campaign_id: int) -> str:
    """Cancel; say how many invitations were withdrawn."""
    _, canceled = campaigns.cancel(campaign_id)
    return f"campaign {campaign_id} canceled: {canceled} invitations will not be sent"


campaigns_group.add_command(control("pause", lambda i: f"campaign {campaigns.pause(i).id} paused"))
campaigns_group.add_command(
    control("resume", lambda i: f"campaign {campaigns.resume(i).id} resumed")
)
campaigns_group.add_command(control("cancel", _cancel))
