"""Webhooks under fire: signed inbound webhooks at a fixed rate while a campaign runs.

Run from the repository root (the SPEC's "Webhook under fire" bar):

    python -m bench.webhook_fire                 # 10,000 guests, 5-10 s provider, 300 req/s, 60 s
    python -m bench.webhook_fire --quick         # 2,000 guests, 1-2 s provider, 100 req/s, 15 s

It starts the emulator (latency `--latency`, status callbacks sent, delivered and read posted
to gunicorn), gunicorn as the Procfile runs it (`WEB_CONCURRENCY=2`, gunicorn.conf.py's
production defaults, worker recycling included), ONE `python -m worker`, imports the guests
in SQL and measures, with an open-loop generator (bench/fire_load.py, its own process):

1. the floor: `GET /health` at the same rate for 10 s before the campaign starts;
2. the window: once the campaign (created through the API) has run `--warmup` seconds,
   `--rate` signed inbound webhooks per second for `--seconds`, pre-built and signed
   before the window: texts from the guests' numbers and, for `--buttons` of them, quick
   reply taps answering invitations already sent (their `OriginalRepliedMessageSid`).

Then it waits for the campaign to complete and writes bench/results/webhook_fire.json:
latency percentiles (answer time minus the request's scheduled time), errors, the campaign's
sends/s in the window (PostgreSQL `accepted_at`), gunicorn's `WORKER TIMEOUT` lines and
worker restarts, a per-second timeline (latency, requests/s, sends/s, worker boots, CPU),
the CPU used by each process group in the window, and the emulator's duplicates and lost.
Uses the same PostgreSQL and Redis discovery as the tests (a scratch database;
`TEST_REDIS_URL`). Exits 1 when a bar is missed.

The modules, one concern each:

- `__main__`: the command line and the run's output (JSON file, headline, summary);
- `processes`: the emulator, gunicorn and worker environment, the campaign read from SQL;
- `run`: one run, in order: the floor, the campaign, the window, the completion;
- `load`: the signed requests of the window and the generator process that sends them;
- `samplers`: CPU over time (the machine, each process group, PostgreSQL's backends);
- `latency`: percentiles, errors and rates of a load run, gunicorn's own request times;
- `timeline`: gunicorn's log events and the window second by second;
- `report`: every figure of a run, its bars, and the summary lines.
"""
