"""Liveness, readiness and Prometheus metrics."""

from app.health.views import bp

__all__ = ["bp"]
