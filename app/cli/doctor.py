"""`flask doctor`: every readiness check and the configuration's, each with what to do."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.cli.output import emit, exit_unhealthy, json_option, table
from app.health.doctor import doctor_checks


@click.command("doctor")
@json_option
@with_appcontext
def doctor_command(as_json: bool) -> None:
    """Check PostgreSQL, Redis, workers, sending and the configuration; exit 1 on a failure."""
    checks = doctor_checks()
    rows = [
        (name, "ok" if check.ok else "FAIL", check.detail, "" if check.ok else check.action)
        for name, check in checks.items()
    ]
    healthy = all(check.ok for check in checks.values())
    data = {
        "ok": healthy,
        "checks": {
            name: {"ok": check.ok, "detail": check.detail, "action": check.action}
            for name, check in checks.items()
        },
    }
    emit(as_json, data, table(("check", "", "detail", "what to do"), rows))
    exit_unhealthy(healthy)
