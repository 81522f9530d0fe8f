"""Liveness, readiness and Prometheus metrics, and the checks the operator CLI shares."""

from app.health.views import bp

__all__ = ["bp"]
