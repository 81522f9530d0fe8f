"""`/health`, `/ready` and `/metrics`."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from werkzeug.exceptions import Unauthorized

from app.health.checks import ready_checks
from app.health.jobs import WORKER_MAX_SILENCE
from app.health.metrics import metrics_allowed, metrics_token_set, render_metrics

bp = Blueprint("health", __name__)

__all__ = ["WORKER_MAX_SILENCE", "bp"]


@bp.get("/health")
def health() -> Response:
    """Liveness: the process answers; no dependency is touched."""
    return jsonify(status="ok")


@bp.get("/ready")
def ready() -> tuple[Response, int]:
    """Readiness: 200 when PostgreSQL, Redis and a live worker are there, else 503.

    Also 503 when a running campaign has had invitations due and none sent for a minute
    (workers up but not sending), with the engine's last error.
    """
    checks = ready_checks()
    ok = all(check.ok for check in checks.values())
    body = {
        "status": "ok" if ok else "unavailable",
        "checks": {name: {"ok": c.ok, "detail": c.detail} for name, c in checks.items()},
    }
    return jsonify(body), 200 if ok else 503


@bp.get("/metrics")
def metrics() -> Response:
    """Prometheus text exposition: all of it behind `METRICS_TOKEN` when it is set, else all
    but the dashboard's series (which would tell when someone signs in)."""
    if not metrics_allowed():
        raise Unauthorized("send 'Authorization: Bearer <METRICS_TOKEN>' to read the metrics")
    payload, content_type = render_metrics(private=metrics_token_set())
    return Response(payload, content_type=content_type)
