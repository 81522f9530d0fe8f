"""Time the sender's, the dashboard's and the API's reads on 1,000,000 invitations.

Run from the repository root with the virtualenv active:

    python -m bench.million                       # 1,000,000 invitations, 2-3 minutes
    python -m bench.million --events 9 --guests-per-event 1000 --big-event 10000  # seconds

It applies the migrations to a scratch database (found as the tests find one:
`TEST_DATABASE_URL`, else the local server, else an embedded one), draws the data
(`bench.million_data`) and loads it by COPY (`bench.million_seed`): 90 events of 10,000
invitations and a last one of 100,000, each with 1% more guests never invited; Latin
(accented) and Arabic names; phones of seven countries; campaigns running (pending, sending,
some leases expired), paused (50,000 invitations), canceled and completed; accepted
invitations sent, delivered or read, some answered; failures with their codes; ~1,000
opt-outs. Then VACUUM ANALYZE. The guest reads run on the big event.

For each read it prints the wall time of the real function (median of 5 runs after a
warm-up, each in a fresh session or a rolled-back transaction), the EXPLAIN (ANALYZE,
BUFFERS) execution time of every statement the function ran (median of 5 replays with the
same parameters, in one transaction per replay, so a claim's `SET LOCAL` applies to its
PICK; see `bench.million_plans`), the indexes the plans use, and a verdict against the
bar: 20 ms for a claim of the batch a drain takes at 400/s (200), 50 ms for everything
else. A Seq Scan on guests or invitations, or a read over its bar, fails the run (exit 1).
Plans of a quick run on a few thousand rows are not those of a million (the planner
rightly scans small tables).
The figures go to `bench/results/million.json`, with the load average around the
measurements: on a shared machine, read them with it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import psycopg2
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy.engine import make_url

from app import create_app
from app.dashboard.exports import export_chunks, export_rows
from app.dashboard.guests import GuestFilters
from app.extensions import db
from app.models import MessageKind
from app.sending import claims, reconcile
from app.sending.audiences import Target
from app.sending.message import MessageDefaults
from app.sending.preflight import plan_audience
from app.sending.progress import campaign_progress, campaigns_progress
from app.sending.sender import claim_ahead
from app.sending.upkeep import RECONCILE_LIMIT
from app.services import events
from bench.million_data import SENDER, Seeded, Shape
from bench.million_plans import (
    CLAIM_BAR_MS,
    Check,
    Recorder,
    in_session,
    measure,
    rolled_back,
)
from bench.million_seed import seed
from tests.support.services import provide_services

# The largest batch a drain claims at 400 messages/s (the highest WhatsApp text tier).
CLAIM_BATCH = claim_ahead(400)
PAGE = 51  # a page of 50 and the row that says there is a next one
RESULTS = Path(__file__).resolve().parent / "results" / "million.json"


def first_chunk(event_id: int, filters: GuestFilters) -> Callable[[], Any]:
    """Produce the first chunk of the dashboard's CSV export (header and first page)."""

    def action() -> Any:
        chunks = export_chunks(
            export_rows(event_id, filters), events.variable_names(event_id), "UTC"
        )
        chunk = next(chunks)
        chunks.close()
        return chunk

    return action


def checks(app: Flask, seeded: Seeded) -> list[Check]:
    """The reads to time, on the big event (and across events where the product reads many)."""
    big, campaign = seeded.big_event_id, seeded.big_campaign_id
    first, last = seeded.big_guest_ids
    deep = first + (last - first) * 9 // 10
    digits = seeded.probe_phone[-7:]
    phone = f"{digits[:3]} {digits[3:]}"
    sending = app.config["SENDING"]
    defaults = MessageDefaults.from_settings(app.config["SETTINGS"], None, 600)
    every = GuestFilters()
    reminder = Target(big, MessageKind.REMINDER, include_maybe=True)
    followup = Target(big, MessageKind.FOLLOWUP, after_seconds=3 * 86400)
    return [
        Check(
            f"claim a batch of {CLAIM_BATCH} (claim_due)",
            rolled_back(lambda c: claims.claim_due(c, "bench:claim", SENDER, CLAIM_BATCH, 40.0)),
            CLAIM_BAR_MS,
        ),
        Check("next due (NEXT_DUE)", rolled_back(claims.next_due_in)),
        Check(
            "stale scan (take_stale, STALE_COUNT)",
            rolled_back(
                lambda c: (
                    reconcile.take_stale(c, "bench:sweep", 40.0, RECONCILE_LIMIT, defaults),
                    claims.stale_claims(c),
                )
            ),
        ),
        Check(
            "campaign progress (campaign_progress)",
            rolled_back(lambda c: campaign_progress(c, campaign)),
        ),
        Check(
            f"progress of {len(seeded.active_campaign_ids)} campaigns (campaigns_progress)",
            rolled_back(lambda c: campaigns_progress(c, seeded.active_campaign_ids)),
        ),
        Check(
            "pre-flight (plan_audience)",
            rolled_back(lambda c: plan_audience(c, big, sending, True, True)),
        ),
        Check(
            "reminder pre-flight (plan_audience, kind=reminder)",
            rolled_back(lambda c: plan_audience(c, reminder, sending, True, True)),
        ),
        Check(
            "follow-up pre-flight (plan_audience, kind=followup)",
            rolled_back(lambda c: plan_audience(c, followup, sending, True, True)),
        ),
        *guest_checks(big, deep, phone),
        Check("event stats (events_stats)", in_session(lambda: events.events_stats([big]))),
        Check(
            "stats of 20 events (events_stats)",
            in_session(lambda: events.events_stats(seeded.event_ids[:20])),
        ),
        Check("CSV export, first chunk", in_session(first_chunk(big, every))),
        Check(
            "CSV export, first chunk, q=ليلى",
            in_session(first_chunk(big, GuestFilters(search="ليلى"))),
        ),
    ]


def guest_checks(big: int, deep: int, phone: str) -> list[Check]:
    """Pages of the guest table (`list_guests`, 50 rows): deep, filtered, searched."""
    listings: list[tuple[str, dict[str, Any]]] = [
        ("guests page 1", {}),
        ("guests page at 90%", {"after_id": deep}),
        ("guests delivery=failed,undelivered", {"delivery": ["failed", "undelivered"]}),
        ("guests rsvp=declined at 90%", {"rsvp": ["declined"], "after_id": deep}),
        ("guests delivery=pending (none: by the tallies)", {"delivery": ["pending"]}),
        ("search q=josé álvarez (rare name)", {"search": "josé álvarez"}),
        ("search q=ليلى (common name)", {"search": "ليلى"}),
        ("search q=ليلى at 90%", {"search": "ليلى", "after_id": deep}),
        ("search q=o'brien rsvp=declined", {"search": "o'brien", "rsvp": ["declined"]}),
        ("search q=o'brien rsvp=maybe (few)", {"search": "o'brien", "rsvp": ["maybe"]}),
        (f"search q={phone} (phone digits)", {"search": phone}),
        ("search q=zzzz (matches none)", {"search": "zzzz"}),
    ]
    return [
        Check(label, in_session(lambda options=options: events.list_guests(big, PAGE, **options)))
        for label, options in listings
    ]


def whole_export(event_id: int) -> dict[str, Any]:
    """Stream the big event's whole CSV export: rows, bytes, seconds; then the peak memory.

    The peak is what Python allocated at most while a second pass streamed it (traced,
    so timed apart): a file built in memory would show its whole size there.
    """
    figures: dict[str, Any] = {}
    for traced in (False, True):
        db.session.remove()
        if traced:
            tracemalloc.start()
        started = time.perf_counter()
        size = lines = 0
        for chunk in export_chunks(
            export_rows(event_id, GuestFilters()), events.variable_names(event_id), "UTC"
        ):
            size += len(chunk.encode())
            lines += chunk.count("\n")
        if traced:
            figures["peak_traced_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
            tracemalloc.stop()
        else:
            figures.update(rows=lines - 1, mb=round(size / 2**20, 1))
            figures["seconds"] = round(time.perf_counter() - started, 2)
    db.session.remove()
    return figures


def server_facts(dsn: str) -> dict[str, Any]:
    """The server's version and whether the trigram indexes exist."""
    connection = psycopg2.connect(dsn)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
            cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%trgm'")
            trigram = sorted(row[0] for row in cursor.fetchall())
    finally:
        connection.close()
    return {"server_version": version, "trigram_indexes": trigram}


def claim_batch(app: Flask) -> dict[str, int]:
    """What one claim of CLAIM_BATCH takes (in a rolled-back transaction)."""
    with app.app_context(), db.engine.connect() as connection:
        batch = claims.claim_due(connection, "bench:claim", SENDER, CLAIM_BATCH, 40.0)
        connection.rollback()
    return {"claimed": len(batch.claims), "refused": len(batch.refused)}


def print_table(results: list[dict[str, Any]]) -> None:
    """The figures, one line per read, then each statement's plan."""
    print(f"\n{'read':<52} {'wall ms':>9} {'SQL ms':>8} {'bar':>5}  verdict")
    for r in results:
        verdict = "ok" if r["ok"] else "OVER BAR" if not r["seq_scans"] else "SEQ SCAN"
        figures = f"{r['wall_ms']:>9.2f} {r['sql_ms']:>8.2f} {r['bar_ms']:>5.0f}"
        print(f"{r['name']:<52} {figures}  {verdict}")
        if r["name"].startswith("claim"):
            pick = r["statements"][0]  # after the SET LOCALs of INDEX_ONLY_PLANS
            print(f"{'  of which PICK (EXPLAIN)':<52} {'':>9} {pick['execution_ms']:>8.2f}")
    print("\nplans (EXPLAIN ANALYZE median ms, indexes used):")
    for r in results:
        print(f"- {r['name']}")
        for s in r["statements"]:
            indexes = ", ".join(s["indexes"]) or "-"
            print(f"    {s['execution_ms']:>8.3f}  {indexes}  | {s['sql'][:70]}")


def run(shape: Shape, runs: int, output: Path, work: Path) -> int:
    """Seed, measure, write the JSON, print the table; 1 when a bar or a plan fails."""
    with provide_services(work / "services") as services:
        env = {
            "APP_ENV": "test",
            "SECRET_KEY": "bench",
            "DATABASE_URL": services.database_url,
            "REDIS_URL": services.redis_url,
            "API_TOKEN": "bench-token",
            "LOG_LEVEL": "WARNING",
            # A daily tier makes the pre-flight count the last 24 hours' messages too.
            "SEND_DAILY_TIER": "1000000",
        }
        dsn = make_url(services.database_url).set(drivername="postgresql")
        dsn_text = dsn.render_as_string(hide_password=False)
        app = create_app(env)
        with app.app_context():
            upgrade()
            print(f"seeding {shape.invitations:,} invitations ({services.origin}) ...", flush=True)
            seeded = seed(dsn_text, shape)
            print(f"seeded in {sum(seeded.seconds.values()):.0f} s: {seeded.as_json()}", flush=True)
            recorder = Recorder(db.engine)
            load = {"before": os.getloadavg()}
            results = [measure(c, recorder, dsn_text, runs) for c in checks(app, seeded)]
            load["after"] = os.getloadavg()
            export = whole_export(seeded.big_event_id)
            batch = claim_batch(app)
            db.session.remove()
            db.engine.dispose()
        facts = server_facts(dsn_text)
    failures = [r["name"] for r in results if not r["ok"]]
    report = {
        "shape": asdict(shape),
        "seed": seeded.as_json(),
        **facts,
        "runs": runs,
        "load_average": load,
        "claim_batch": batch,
        "reads": results,
        "whole_export": export,
        "failures": failures,
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print_table(results)
    print(f"\nclaim of {CLAIM_BATCH}: {batch}; load average (1, 5, 15 min): {load}")
    print(f"whole export of the big event: {export}")
    print(f"trigram indexes: {facts['trigram_indexes'] or 'none (pg_trgm unavailable)'}")
    print(f"figures written to {output}")
    for result in results:
        if result["seq_scans"]:
            print(f"FAIL: Seq Scan on {', '.join(result['seq_scans'])} in {result['name']!r}")
        elif not result["ok"]:
            print(f"FAIL: {result['name']!r} took {result['wall_ms']} ms (bar {result['bar_ms']})")
    return 1 if failures else 0


def main() -> int:
    """Parse the options and run."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.million", description=__doc__.split("\n\n")[0]
    )
    defaults = Shape()
    parser.add_argument("--events", type=int, default=defaults.events, help="small events")
    parser.add_argument(
        "--guests-per-event", type=int, default=defaults.guests_per_event,
        help="invitations per small event",
    )  # fmt: skip
    parser.add_argument(
        "--big-event", type=int, default=defaults.big_event,
        help="invitations of the big event the guest reads use",
    )  # fmt: skip
    parser.add_argument("--runs", type=int, default=5, help="timed runs and EXPLAIN replays")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    if args.big_event <= 0:
        parser.error("--big-event must be positive: the guest reads run on it")
    shape = Shape(args.events, args.guests_per_event, args.big_event)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-million-") as work:
        status = run(shape, args.runs, args.output, Path(work))
    print(f"done in {time.monotonic() - started:.0f} s")
    return status


if __name__ == "__main__":
    sys.exit(main())
