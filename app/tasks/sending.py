"""RQ jobs of the sending engine: drain due invitations, and sweep what Redis may have lost.

`send_due_invitations` is the wake-up: it sends due invitations of every running campaign
(and single sends) for one time slice, then asks for a successor if work remains.
`sweep` needs nothing from Redis: it reconciles expired claims, starts scheduled campaigns,
completes finished campaigns and requests a drain when PostgreSQL has due work and no
drainer runs. The worker runs it from its own loop every `SEND_SWEEP_INTERVAL` seconds and
at start, so a flushed or restarted Redis loses no work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

import redis
from flask import Flask, current_app, has_app_context
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db, redis_store
from app.sending import claims, lifecycle
from app.sending.approved import load_approved
from app.sending.client import ProviderClient, close_quietly
from app.sending.drain import DrainReport, SenderSetup, StopReason
from app.sending.lifecycle import StartChecks
from app.sending.message import MessageDefaults
from app.sending.owners import expire_dead_owners, new_owner
from app.sending.reconcile import reconcile_stale
from app.sending.schedule import feed_watching, start_due_campaigns
from app.sending.sender import IDLE_WAIT, Sender
from app.sending.settings import SendingSettings
from app.sending.statuses import link_awaiting_replies, link_orphan_callbacks
from app.sending.tallies import compact_tallies
from app.sending.waitlist import offer_freed_seats
from app.sending.wakeup import (
    DRAINER_TTL,
    drain_started,
    live_drainers,
    other_jobs_waiting,
    prune_dead_drainers,
    register_drainer,
    request_drain_quietly,
    unregister_drainer,
)
from app.services import audit
from app.services.question_reasks import reask_silent
from app.services.template_sync import sync_templates
from app.urls import status_callback_url

log = logging.getLogger(__name__)

SWEEP_RECONCILE_LIMIT = 200


@dataclass
class SweepReport:
    """What one sweep did."""

    reconciled: int = 0
    completed: int = 0
    unparked: int = 0
    started: int = 0
    followups: int = 0
    offers: int = 0
    reasked: int = 0
    compacted: bool = False
    linked: int = 0
    audit_pruned: int = 0
    templates: int = 0
    drain_requested: bool = False


@contextlib.contextmanager
def job_app_context() -> Iterator[Flask]:
    """The worker's app context, or a new worker app when a job runs outside one."""
    if has_app_context():
        yield current_app._get_current_object()  # type: ignore[attr-defined]
        return
    from app import create_app

    app = create_app({"APP_PROCESS": "worker"})
    with app.app_context():
        yield app


def sending_settings(app: Flask) -> SendingSettings:
    """The `SEND_*` settings of this process."""
    sending: SendingSettings = app.config["SENDING"]
    return sending


def sender_setup(app: Flask, sending: SendingSettings, owner: str) -> SenderSetup:
    """The plain values a drain runs with."""
    settings = app.config["SETTINGS"]
    twilio = settings.twilio
    return SenderSetup(
        settings=sending,
        defaults=message_defaults(app, sending),
        account_sid=twilio.account_sid or "",
        auth_token=twilio.auth_token or "",
        api_base_url=twilio.api_base_url,
        redis_url=settings.redis_url,
        owner=owner,
        content_base_url=twilio.content_base_url,
    )


def send_due_invitations() -> dict[str, Any]:
    """Drain due invitations for one time slice; ask for a successor if work remains."""
    with job_app_context() as app:
        if not app.config["SETTINGS"].sending_enabled:
            return {"skipped": "SENDING_ENABLED is off"}
        sending = sending_settings(app)
        connection = redis_store.connection
        drain_started(connection)
        owner = new_owner()
        if not register_drainer(connection, owner, sending.drainers):
            return {"skipped": "enough drainers are running"}
        try:
            setup = sender_setup(app, sending, owner)
            queues = app.config["SETTINGS"].queues

            def another_slice() -> bool:
                return not other_jobs_waiting(connection, queues)

            report = asyncio.run(drain(setup, sending.slice_seconds, another_slice))
        finally:
            unregister_drainer(connection, owner)
        if report.reason is not StopReason.IDLE or work_due_soon():
            request_drain_quietly(connection, sending)
        summary = asdict(report) | {"reason": report.reason.value}
        log.info("drain ended: %s", summary)
        return summary


def work_due_soon() -> bool:
    """Whether work came due while an idle drain was closing (its own recovery may requeue
    invitations after it last looked)."""
    try:
        with db.engine.begin() as connection:
            due = claims.next_due_in(connection)
    except SQLAlchemyError:
        return True  # let a successor find out
    return due is not None and due <= IDLE_WAIT


async def drain(
    setup: SenderSetup, slice_seconds: float, another_slice: Callable[[], bool] | None = None
) -> DrainReport:
    """Run one `Sender` until idle, its slices end, or SIGTERM asks it to stop."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    previous = signal.getsignal(signal.SIGTERM)
    handled = _install_stop_handler(loop, stop)
    keepalive = asyncio.create_task(
        _keep_registered(redis_store.connection, setup.owner, setup.settings.drainers)
    )
    try:
        return await Sender(db.engine, setup, stop).run(slice_seconds, another_slice)
    finally:
        keepalive.cancel()
        await asyncio.gather(keepalive, return_exceptions=True)
        if handled:
            loop.remove_signal_handler(signal.SIGTERM)
            signal.signal(signal.SIGTERM, previous)


def _install_stop_handler(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> bool:
    """Make SIGTERM stop the drain gracefully (only possible in the main thread)."""
    try:
        loop.add_signal_handler(signal.SIGTERM, stop.set)
    except (RuntimeError, ValueError):
        return False
    return True


async def _keep_registered(connection: redis.Redis, owner: str, limit: int) -> None:
    """Renew this drain's entry among the live drainers."""
    while True:
        await asyncio.sleep(DRAINER_TTL / 3)
        try:
            await asyncio.to_thread(register_drainer, connection, owner, limit)
        except redis.RedisError as error:
            log.warning("could not renew the drainer registration (%s)", type(error).__name__)


def run_sweep(app: Flask) -> SweepReport:
    """The sweep itself, in the current app context (the worker calls it directly).

    It also starts the scheduled campaigns whose time has come and queues the follow-ups
    that came due (`app.sending.schedule`), offers freed seats to waitlisted guests
    (`app.sending.waitlist`), asks an unanswered question once more
    (`app.services.question_reasks`), cuts short the leases of senders that died on
    this host (kill -9), returns to
    the due path invitations parked while their campaign was resumed, compacts the
    tallies, applies status callbacks and replies that arrived before their SID was
    recorded and that the sender's own linking missed, and prunes the audit trail's entries
    older than `AUDIT_RETENTION_DAYS`. First it submits the organiser's templates and
    follows their WhatsApp approval (`app.services.template_sync`), so that a campaign
    waiting for one starts in the same pass.
    """
    sending = sending_settings(app)
    report = SweepReport()
    with db.engine.begin() as connection:
        expire_dead_owners(connection, sending.reconcile_grace)
    with db.engine.begin() as connection:
        stale = claims.stale_claims(connection)
    if stale:
        report.reconciled = asyncio.run(_reconcile_once(app, sending))
    report.templates = sync_templates(app.config["SETTINGS"])
    report.started = start_due_campaigns(db.engine, start_checks(app, sending))
    report.followups = feed_watching(db.engine)
    report.offers = offer_freed_seats(db.engine)
    report.reasked = reask_silent(db.engine)
    with db.engine.begin() as connection:
        report.unparked = lifecycle.unpark_resumed(connection)
        report.completed = len(lifecycle.complete_finished(connection))
        due = claims.next_due_in(connection)
    with db.engine.begin() as connection:
        report.compacted = compact_tallies(connection)
    with db.engine.begin() as connection:
        report.linked = link_orphan_callbacks(connection) + link_awaiting_replies(connection)
    report.audit_pruned = audit.prune(app.config["SETTINGS"].audit_retention_days)
    if due is not None and due <= IDLE_WAIT and app.config["SETTINGS"].sending_enabled:
        redis = redis_store.connection
        prune_dead_drainers(redis)
        if live_drainers(redis) < sending.drainers:
            report.drain_requested = request_drain_quietly(redis, sending)
    return report


def start_checks(app: Flask, sending: SendingSettings) -> StartChecks:
    """What starting a scheduled campaign checks again: rate, daily tier, templates."""
    settings = app.config["SETTINGS"]
    return StartChecks(sending, message_defaults(app, sending), bool(settings.public_base_url))


def message_defaults(app: Flask, sending: SendingSettings) -> MessageDefaults:
    """What messages are sent with: the environment's templates and the approved ones."""
    defaults = MessageDefaults.from_settings(
        app.config["SETTINGS"], status_callback_url(), sending.validity_period
    )
    with db.engine.connect() as connection:
        return defaults.with_approved(load_approved(connection))


async def _reconcile_once(app: Flask, sending: SendingSettings) -> int:
    """One reconciliation pass with a short-lived provider client."""
    setup = sender_setup(app, sending, new_owner() + ":sweep")
    provider = ProviderClient(
        setup.account_sid, setup.auth_token, setup.api_base_url, sending.request_timeout, 10
    )
    try:
        report = await reconcile_stale(
            db.engine,
            provider,
            owner=setup.owner,
            lease=sending.lease_seconds,
            skew=sending.reconcile_skew,
            defaults=setup.defaults,
            limit=SWEEP_RECONCILE_LIMIT,
        )
    finally:
        await close_quietly(provider)
    return report.total
