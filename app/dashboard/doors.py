"""`GET /door`: the events' doors, for door staff (whose role opens nothing else)."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue

from app.dashboard import bp
from app.services import events

DOOR_LIST_SIZE = 200  # the newest events: a door opens for one of the coming ones


@bp.get("/door")
def door_events() -> ResponseReturnValue:
    """Every event, each a link to its door."""
    return render_template(
        "dashboard/door_events.html",
        events=[event for event, _ in events.list_events(DOOR_LIST_SIZE)],
    )
