"""Prometheus metrics: request counters (multi-process safe) and job-system gauges.

Every label value comes from a fixed set, whatever clients send: the endpoint (`unmatched`
for unknown paths), the method (`other` for any not listed below), the status code. Each
new value would be a new series kept for the life of the process.

Without `METRICS_TOKEN`, anyone can read `/metrics`, so the dashboard's series are left out:
their status codes count sign-ins (a 302 from `dashboard.login`), sign-outs and signed-in
page views (a 200 rather than the redirect to sign in), that is when someone signs in and
is active. With the token, the scraper sees them all.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Iterator
from functools import cache

import redis
from flask import Flask, Response, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import redis_store
from app.services.webhook_spool import DEAD_KEY, spool_length

REQUESTS = Counter(
    "http_requests_total", "HTTP requests answered", ["endpoint", "method", "status"]
)
LATENCY = Histogram(
    "http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Endpoints whose series only a scraper with the token sees (see the module docstring).
PRIVATE_ENDPOINT_PREFIX = "dashboard."


def method_label(method: str) -> str:
    """The method as a label: one of the standard ones, else `other`."""
    return method if method in METHODS else "other"


@cache
def request_counter(endpoint: str, method: str, status: int) -> Counter:
    """The labelled child of `http_requests_total`, looked up once per label set: the set is
    fixed (see the module docstring; `method` is already a `method_label`), and
    prometheus-client checks the labels and takes a lock on every `labels` call."""
    return REQUESTS.labels(endpoint, method, str(status))


@cache
def request_latency(endpoint: str) -> Histogram:
    """The labelled child of `http_request_duration_seconds`, looked up once per endpoint."""
    return LATENCY.labels(endpoint)


def metrics_token_set() -> bool:
    """Whether `METRICS_TOKEN` is set (then `/metrics` needs it, and shows every series)."""
    return bool(current_app.config["SETTINGS"].metrics_token)


def metrics_allowed() -> bool:
    """Whether this request may read `/metrics`: always, unless `METRICS_TOKEN` is set.

    With a token, the scraper sends `Authorization: Bearer <METRICS_TOKEN>` (compared as
    bytes, like the API's token).
    """
    expected = current_app.config["SETTINGS"].metrics_token
    if not expected:
        return True
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    sent = token.encode("latin-1", "replace")
    return scheme.lower() == "bearer" and hmac.compare_digest(sent, expected.encode())


def instrument(app: Flask) -> None:
    """Count and time every request by endpoint."""

    @app.before_request
    def start_timer() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def record(response: Response) -> Response:
        endpoint = request.endpoint or "unmatched"
        request_counter(endpoint, method_label(request.method), response.status_code).inc()
        started = g.get("request_started")
        if started is not None:
            request_latency(endpoint).observe(time.perf_counter() - started)
        return response


class WithoutPrivateEndpoints(Collector):
    """Another collector's metrics without the samples of the dashboard's endpoints."""

    def __init__(self, source: Collector) -> None:
        self.source = source

    def collect(self) -> Iterator[Metric]:
        """Yield the source's metrics, each without the dashboard's samples."""
        for metric in self.source.collect():
            metric.samples = [
                sample
                for sample in metric.samples
                if not sample.labels.get("endpoint", "").startswith(PRIVATE_ENDPOINT_PREFIX)
            ]
            yield metric


class JobSystemCollector(Collector):
    """Queue depths and worker counts, read from Redis at scrape time."""

    def __init__(self, connection: redis.Redis, queue_names: tuple[str, ...]) -> None:
        self.connection = connection
        self.queue_names = queue_names

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """Yield the gauges; an unreachable Redis yields `redis_up 0` only."""
        from app.health.jobs import job_system

        up = GaugeMetricFamily("redis_up", "Whether Redis answered the scrape")
        jobs = job_system(self.connection, self.queue_names)
        try:
            spooled = GaugeMetricFamily(
                "webhook_spool_items", "Webhooks spooled while PostgreSQL was down", labels=["list"]
            )
            spooled.add_metric(["waiting"], spool_length(self.connection))
            spooled.add_metric(["dead"], self.connection.llen(DEAD_KEY))
        except redis.RedisError:
            jobs.error = "RedisError"
        if jobs.error is not None:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        depth = GaugeMetricFamily("rq_queue_jobs", "Jobs waiting", labels=["queue"])
        oldest = GaugeMetricFamily(
            "rq_queue_oldest_job_age_seconds", "Age of the oldest waiting job", labels=["queue"]
        )
        started = GaugeMetricFamily("rq_started_jobs", "Jobs running", labels=["queue"])
        failed = GaugeMetricFamily("rq_failed_jobs", "Jobs failed", labels=["queue"])
        for queue in jobs.queues:
            depth.add_metric([queue.name], queue.waiting)
            oldest.add_metric([queue.name], queue.oldest_waiting or 0.0)
            started.add_metric([queue.name], queue.started)
            failed.add_metric([queue.name], queue.failed)
        workers = GaugeMetricFamily("rq_workers_live", "Workers with a recent heartbeat")
        workers.add_metric([], len(jobs.live_workers))
        idle = GaugeMetricFamily(
            "rq_workers_idle", "Live workers idle while a queue they listen to is not served"
        )
        idle.add_metric([], len(jobs.idle_workers()))
        yield from (up, depth, oldest, started, failed, workers, idle, spooled)


class SendingCollector(Collector):
    """Stuck campaigns (from PostgreSQL) and the engine's last error (from Redis)."""

    def __init__(self, connection: redis.Redis) -> None:
        self.connection = connection

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """Yield the gauges; a failed query leaves the stuck gauge out."""
        from flask import current_app

        from app.extensions import db
        from app.sending.stuck import last_error, stuck_campaigns

        try:
            quiet = current_app.config["SENDING"].stuck_after
            stuck = stuck_campaigns(db.session.connection(), quiet)
        except SQLAlchemyError:
            db.session.rollback()
        else:
            gauge = GaugeMetricFamily(
                "sending_campaigns_stuck",
                "Running campaigns with invitations due and none settled for SEND_STUCK_AFTER",
            )
            gauge.add_metric([], len(stuck))
            yield gauge
        error = last_error(self.connection)
        if error is not None:
            when = GaugeMetricFamily(
                "sending_last_error_timestamp_seconds", "When the sending engine last failed"
            )
            when.add_metric([], float(error["at"]))
            yield when


def render_metrics(private: bool) -> tuple[bytes, str]:
    """Collect every process's counters (when multi-process) and the job-system gauges.

    Args:
        private: whether the dashboard's request series are included (only for a scraper
            that sent `METRICS_TOKEN`).
    """
    from flask import current_app

    registry = CollectorRegistry()
    request_metrics: list[Collector] = [REQUESTS, LATENCY]
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        request_metrics = [multiprocess.MultiProcessCollector(None)]
    for collector in request_metrics:
        registry.register(collector if private else WithoutPrivateEndpoints(collector))
    settings = current_app.config["SETTINGS"]
    registry.register(JobSystemCollector(redis_store.connection, settings.queues))
    registry.register(SendingCollector(redis_store.connection))
    return generate_latest(registry), CONTENT_TYPE_LATEST
