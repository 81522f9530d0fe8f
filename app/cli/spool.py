"""`flask spool` and `flask spool replay`: webhooks kept in Redis while PostgreSQL was down."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime

import click
from flask.cli import with_appcontext

from app.cli.jobs import needs_redis
from app.cli.output import duration, emit, exit_unhealthy, json_option
from app.extensions import redis_store
from app.tasks.spool import replay_spool, revive_dead, spool_status


@click.group("spool", invoke_without_command=True)
@json_option
@with_appcontext
@needs_redis
def spool_group(as_json: bool) -> None:
    """Show spooled webhooks; exit 1 when some wait or are dead."""
    if click.get_current_context().invoked_subcommand is not None:
        return
    status = spool_status(redis_store.connection)
    oldest = status.oldest_received_at
    age = (datetime.now(UTC) - oldest).total_seconds() if oldest else None
    text = f"waiting: {status.waiting} (oldest received {duration(age)} ago)\ndead: {status.dead}"
    if status.waiting:
        text += "\nthe worker replays them once PostgreSQL answers; or run `flask spool replay`"
    if status.dead:
        text += "\ndead items failed for another reason: read the web logs, then `replay --dead`"
    emit(as_json, {**asdict(status), "oldest_age_seconds": age}, text)
    exit_unhealthy(not (status.waiting or status.dead))


@spool_group.command("replay")
@click.option("--dead", is_flag=True, help="Put the dead items back in the spool first.")
@with_appcontext
@needs_redis
def replay_command(dead: bool) -> None:
    """Apply spooled webhooks now, in arrival order (safe beside the workers' own replay)."""
    client = redis_store.connection
    if dead:
        click.echo(f"{revive_dead(client)} dead items put back in the spool")
    replayed = replay_spool()
    status = spool_status(client)
    click.echo(f"replayed {replayed}; {status.waiting} still waiting, {status.dead} dead")
    exit_unhealthy(not status.waiting)
