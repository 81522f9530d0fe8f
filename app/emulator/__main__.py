"""Run the Twilio emulator: `python -m app.emulator --port 8099 --latency 5-10`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import resource
import sys
from collections.abc import Sequence
from typing import Any

from app.emulator.config import PARSERS, ConfigError, EmulatorConfig
from app.emulator.server import serve

ENV_PREFIX = "EMULATOR_"
BOOLEAN_FLAGS = ("callback_shuffle", "access_log")
HELP = {
    "host": "interface to listen on",
    "port": "port to listen on (0 picks a free one)",
    "control_token": "bearer token the /_emulator/ control endpoints require; prefer the"
    " environment or a file, as a flag shows in ps (none: one is generated)",
    "control_token_file": "file holding the control token; a generated one is written"
    " there (0600) when it is missing or empty",
    "allowed_hosts": "comma-separated Host names the control endpoints accept besides"
    " loopback names and --host",
    "account_sid": "account SID clients must authenticate with",
    "auth_token": "auth token clients authenticate with; also signs webhooks",
    "latency": "response latency range in seconds, e.g. 5-10 or 0.1-0.3",
    "server_error_rate": "probability of an injected 500/502/503 (message not stored)",
    "rate_limit_rate": "probability of an injected 429/20429 (message not stored)",
    "retry_after": "Retry-After seconds sent with 429s",
    "max_in_flight": "concurrent create requests beyond which 429/20429 (0: no cap)",
    "slow_rate": "probability that an accepted message's response is held back",
    "slow_delay": "seconds a slow (or lost) response is held back",
    "lost_rate": "probability that a create is not stored and answered 502 after slow_delay",
    "queue_delay": "seconds range a message stays queued (no date_sent) before it is sent",
    "content_templates": 'JSON {"HX...": "Hi {{1}}..."}: the body each content template renders',
    "content_approval_delay": "seconds range Meta takes to approve or reject a template"
    " submitted through the Content API (default 5)",
    "seed": "seed making latency, faults and callbacks reproducible",
    "number_check": "To validation: strict (phonenumbers valid), possible, off (E.164 only)",
    "invalid_numbers": "comma-separated numbers/prefixes answered with 21211",
    "opted_out": "comma-separated numbers answered with 21610",
    "not_on_whatsapp": "comma-separated numbers/prefixes that fail with 63024",
    "session_window": "true: free text (Body) fails with 63016 unless the guest wrote in 24 h",
    "callback_statuses": "status callbacks to send, in order (subset of sent,delivered,read)",
    "callback_delay": "delay range in seconds before each status callback",
    "callback_shuffle": "send each message's callbacks in random order",
    "callback_duplicate_rate": "probability that a callback is sent twice",
    "callback_concurrency": "cap on concurrent outgoing webhooks",
    "callback_timeout": "timeout in seconds of an outgoing webhook",
    "callback_retries": "retries of a webhook after a network error or 5xx",
    "inbound_url": "the service's inbound webhook URL, where guests' replies go",
    "ca_file": "PEM bundle trusted, besides the system's CAs, by webhooks to https:// URLs"
    " (a private CA or a self-signed certificate)",
    "auto_reply": "off, or have guests answer delivered messages: yes, no, maybe, random",
    "auto_reply_delay": "delay range in seconds before an automatic reply",
    "auto_reply_text_rate": "share of guests who type their answer in their language"
    " rather than tap a button",
    "auto_reply_count_rate": "share of guests whose typed yes gives a head count ('seremos tres')",
    "auto_reply_question_rate": "share of guests who first ask a question ('Is there parking?')",
    "auto_reply_stop_rate": "share of guests who write STOP (in their language)",
    "auto_reply_silent_rate": "probability that a guest who has not answered misses a message",
    "auto_reply_change_rate": "probability that a guest who answered changes their answer on"
    " a later message (default 0: an answer stands)",
    "offer_templates": "comma-separated content SIDs of seat offers (Claim / Pass buttons):"
    " guests answer them by tapping Claim or Pass",
    "auto_reply_claim_rate": "probability that a guest taps Claim on an offer (else Pass;"
    " default 0.8)",
    "notice_templates": "comma-separated content SIDs of notices (an event's change or"
    " cancellation, a thank-you, a missed-you): guests read them and never answer",
    "sender": "sender address used when a message gives only a MessagingServiceSid",
    "channel_install_sid": "ChannelInstallSid sent in WhatsApp status callbacks",
    "page_size": "default page size of the Message list",
    "log_level": "logging level",
    "access_log": "log every HTTP request",
}


def build_parser() -> argparse.ArgumentParser:
    """Return the CLI parser; every flag also reads EMULATOR_<NAME> from the environment."""
    parser = argparse.ArgumentParser(
        prog="python -m app.emulator",
        description="A Twilio-compatible Messages API and WhatsApp emulator.",
        epilog="Every flag can also be set with an environment variable EMULATOR_<FLAG_NAME>, "
        "e.g. EMULATOR_LATENCY=5-10.",
    )
    for name in PARSERS:
        flag = "--" + name.replace("_", "-")
        help_text = f"{HELP[name]} [env {ENV_PREFIX}{name.upper()}]"
        if name in BOOLEAN_FLAGS:
            parser.add_argument(
                flag, dest=name, action=argparse.BooleanOptionalAction, help=help_text
            )
        else:
            parser.add_argument(flag, dest=name, metavar=name.upper(), help=help_text)
    return parser


def load_config(argv: Sequence[str] | None, environ: dict[str, str]) -> EmulatorConfig:
    """Return the configuration from flags, then environment variables, then defaults."""
    args = vars(build_parser().parse_args(argv))
    values: dict[str, Any] = {}
    for name in PARSERS:
        if args.get(name) is not None:
            values[name] = args[name]
        elif f"{ENV_PREFIX}{name.upper()}" in environ:
            values[name] = environ[f"{ENV_PREFIX}{name.upper()}"]
    return EmulatorConfig().patched(values, startup=True)


def raise_open_files_limit() -> None:
    """Allow as many sockets as the hard limit does: thousands of requests may be in flight."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = 65536 if hard == resource.RLIM_INFINITY else hard
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, target), hard))
        except (ValueError, OSError):
            logging.getLogger(__name__).debug("could not raise RLIMIT_NOFILE")


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the configuration and serve until stopped."""
    try:
        config = load_config(argv, dict(os.environ))
    except ConfigError as exc:
        sys.stderr.write(f"python -m app.emulator: error: {exc}\n")
        return 2
    logging.basicConfig(
        stream=sys.stdout,
        level=config.log_level,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    raise_open_files_limit()
    asyncio.run(serve(config))
    return 0


if __name__ == "__main__":
    sys.exit(main())
