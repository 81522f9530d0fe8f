"""Run the whole service locally: embedded PostgreSQL and Redis where none is configured,
migrations, a dashboard user, the Twilio emulator, gunicorn and the worker.

Started by `scripts/run-local.sh`; stops everything on Ctrl-C.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import sys
import time
from pathlib import Path
from types import FrameType
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.devstack import (
    REPO_ROOT,
    ManagedProcess,
    local_bind,
    make_private,
    python_command,
    run_release,
    wait_for_http,
    web_command,
    worker_command,
)
from app.devstack.embedded import EmbeddedServices, free_port, start_postgres, start_redis
from app.devstack.local_env import env_file, remove_local_env, write_local_env

# Secrets, data and logs of the local run, its owner's only (LOCAL_STATE_DIR moves it).
STATE_DIR = Path(os.environ.get("LOCAL_STATE_DIR") or REPO_ROOT / ".local")


def remembered_secret(name: str, length: int = 24) -> str:
    """A random secret kept in .local/ (owner-only) so that it survives restarts."""
    path = STATE_DIR / name
    if not path.exists():
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(length))
    return path.read_text().strip()


def postgres_dir() -> Path:
    """The embedded PostgreSQL's data: .local/postgres, or .local-postgres/ when run as root.

    As root, pgserver runs PostgreSQL as a user of its own, which must pass through every
    parent of the data directory: PostgreSQL opens its files by absolute path, and under a
    0700 .local/ its checkpointer stops with PANIC. Beside .local/, that directory is 0700
    and that user's (pgserver sees to it).
    """
    if os.geteuid() == 0:
        return STATE_DIR.with_name(f"{STATE_DIR.name}-postgres")
    return STATE_DIR / "postgres"


DEMO_REMINDER_SID = "HX" + "0" * 31 + "1"
DEMO_FOLLOWUP_SID = "HX" + "0" * 31 + "2"
DEMO_OFFER_SID = "HX" + "0" * 31 + "3"
DEMO_UPDATE_SID = "HX" + "0" * 31 + "4"
DEMO_CANCELLATION_SID = "HX" + "0" * 31 + "5"
DEMO_THANKS_SID = "HX" + "0" * 31 + "6"
DEMO_MISSED_SID = "HX" + "0" * 31 + "7"
DEMO_TEMPLATES = {
    DEMO_REMINDER_SID: "Hi {{1}}, a reminder: {{2}} is on {{3}} at {{4}}. See you there!",
    DEMO_FOLLOWUP_SID: "Hi {{1}}, will you come to {{2}} on {{3}}? Reply YES, NO or MAYBE.",
    DEMO_OFFER_SID: "Hi {{1}}, a seat at {{2}} is free for you. Tap Claim to take it, or Pass.",
    DEMO_UPDATE_SID: "Hi {{1}}, {{2}} has changed. It is now on {{3}} at {{4}}.",
    DEMO_CANCELLATION_SID: "Hi {{1}}, we are sorry: {{2}} on {{3}} is canceled.",
    DEMO_THANKS_SID: "Hi {{1}}, thank you for coming to {{2}}! It was a pleasure to have you.",
    DEMO_MISSED_SID: "Hi {{1}}, we missed you at {{2}}. We hope to see you next time!",
}

# The emulator's guests in the demo (app/emulator/guests.py): shares that type, give a head
# count with a typed yes, ask a question first, opt out, and miss a given message.
DEMO_GUESTS = {"TEXT": "0.4", "COUNT": "0.3", "QUESTION": "0.1", "STOP": "0.02", "SILENT": "0.15"}
# The banner's example of a guest writing (one puts a guest's number there).
DEMO_GUEST, DEMO_QUESTION = "+34612345678", "¿Hay aparcamiento?"


def service_env(embedded: EmbeddedServices) -> dict[str, str]:
    """The environment of every process, with embedded services where none is configured."""
    env = dict(os.environ)
    if not env.get("DATABASE_URL"):
        print(f"starting embedded PostgreSQL in {postgres_dir()} ...", flush=True)
        env["DATABASE_URL"] = start_postgres(embedded, postgres_dir())
    if not env.get("REDIS_URL"):
        env["REDIS_URL"] = start_local_redis(embedded)
    port = env.setdefault("PORT", "8000")
    emulator_port = env.setdefault("EMULATOR_PORT", str(free_port()))
    env.setdefault("APP_ENV", "development")
    env.setdefault("SECRET_KEY", remembered_secret("secret_key", 32))
    env.setdefault("API_TOKEN", remembered_secret("api_token", 32))
    # Webhooks are signed with a token of this machine, never the emulator's public default.
    env.setdefault("TWILIO_AUTH_TOKEN", remembered_secret("twilio_auth_token", 32))
    env.setdefault("EMULATOR_AUTH_TOKEN", env["TWILIO_AUTH_TOKEN"])
    env.setdefault("ADMIN_EMAIL", "admin@example.com")
    env.setdefault("ADMIN_PASSWORD", remembered_secret("admin_password", 12))
    env.setdefault("TWILIO_API_BASE_URL", f"http://127.0.0.1:{emulator_port}")
    env.setdefault("TWILIO_CONTENT_BASE_URL", env["TWILIO_API_BASE_URL"])
    env.setdefault("PUBLIC_BASE_URL", f"http://127.0.0.1:{port}")
    env.setdefault("WEB_CONCURRENCY", "2")
    env.setdefault("EMULATOR_INBOUND_URL", f"{env['PUBLIC_BASE_URL']}/webhooks/twilio/inbound")
    env.setdefault("EMULATOR_LATENCY", "0.3-1.5")
    env.setdefault("EMULATOR_AUTO_REPLY", "random")
    # Guests as organisers meet them: some type (in their language), give head counts, ask
    # questions, write STOP or miss a message; an answer given stands on later messages.
    for knob, rate in DEMO_GUESTS.items():
        env.setdefault(f"EMULATOR_AUTO_REPLY_{knob}_RATE", rate)
    env.setdefault("EMULATOR_HOST", "127.0.0.1")
    # The emulator's control endpoints (messages, replies, config) need this token.
    remembered_secret("emulator_token", 32)  # kept: a restart keeps the same one
    env.setdefault("EMULATOR_CONTROL_TOKEN_FILE", str(STATE_DIR / "emulator_token"))
    # Reminders, follow-ups and seat offers are templates only (updates and cancellations go
    # as text only to guests who wrote in the last day): the demo has one of each,
    # which the emulator renders; its guests tap Claim or Pass on an offer (the waitlist's
    # cascade shows once an event with a capacity is full).
    env.setdefault("TWILIO_REMINDER_CONTENT_SID", DEMO_REMINDER_SID)
    env.setdefault("TWILIO_FOLLOWUP_CONTENT_SID", DEMO_FOLLOWUP_SID)
    env.setdefault("TWILIO_OFFER_CONTENT_SID", DEMO_OFFER_SID)
    env.setdefault("EMULATOR_OFFER_TEMPLATES", env["TWILIO_OFFER_CONTENT_SID"])
    env.setdefault("TWILIO_UPDATE_CONTENT_SID", DEMO_UPDATE_SID)
    env.setdefault("TWILIO_CANCELLATION_CONTENT_SID", DEMO_CANCELLATION_SID)
    env.setdefault("TWILIO_THANKS_CONTENT_SID", DEMO_THANKS_SID)
    env.setdefault("TWILIO_MISSED_CONTENT_SID", DEMO_MISSED_SID)
    notices = (
        env[f"TWILIO_{kind}_CONTENT_SID"] for kind in ("UPDATE", "CANCELLATION", "THANKS", "MISSED")
    )
    env.setdefault("EMULATOR_NOTICE_TEMPLATES", ",".join(notices))
    env.setdefault("EMULATOR_CONTENT_TEMPLATES", json.dumps(DEMO_TEMPLATES))
    return env


def start_local_redis(embedded: EmbeddedServices) -> str:
    """Start the embedded Redis with the password kept in .local/; return its URL."""
    password = remembered_secret("redis_password", 32)
    url = start_redis(embedded, STATE_DIR / "redis", password=password)
    print(
        f"started embedded Redis on 127.0.0.1:{urlsplit(url).port} (its password in REDIS_URL"
        f" and {STATE_DIR / 'redis_password'})",
        flush=True,
    )
    return url


def start_processes(env: dict[str, str]) -> list[ManagedProcess]:
    """Start the emulator, the worker and the web server; wait until web answers."""
    logs = STATE_DIR / "logs"
    processes = [
        ManagedProcess(
            "emulator", python_command("-m", "app.emulator"), env, logs / "emulator.log"
        ),
        ManagedProcess("worker", worker_command(), env, logs / "worker.log"),
        ManagedProcess("web", web_command(local_bind(env)), env, logs / "web.log"),
    ]
    for process in processes:
        process.start()
    wait_for_http(f"http://127.0.0.1:{env['PORT']}/health", timeout=60, process=processes[-1])
    return processes


def banner(env: dict[str, str]) -> str:
    """What a person needs to start using the local service."""
    authorization = f'"Authorization: Bearer $(cat {env["EMULATOR_CONTROL_TOKEN_FILE"]})"'
    return "\n".join(
        [
            "",
            f"  Dashboard        {env['PUBLIC_BASE_URL']}/",
            f"  Sign in as       {env['ADMIN_EMAIL']} / {env['ADMIN_PASSWORD']}",
            f"  API token        {env['API_TOKEN']}  (Authorization: Bearer ...)",
            f"  Webhook token    {env['TWILIO_AUTH_TOKEN']}  (signs Twilio webhooks, as"
            " TWILIO_AUTH_TOKEN)",
            f"  Listening on     {local_bind(env) or env['GUNICORN_BIND']}",
            f"  Twilio emulator  {env['TWILIO_API_BASE_URL']}  (guests reply automatically)",
            f"  Emulator control curl -H {authorization} \\",
            f"                     {env['TWILIO_API_BASE_URL']}/_emulator/messages",
            f"  A guest writes   curl -H {authorization} \\",
            f'                     -d \'{{"from": "{DEMO_GUEST}", "text": "{DEMO_QUESTION}"}}\' \\',
            f"                     {env['TWILIO_API_BASE_URL']}/_emulator/reply",
            "  Commands         bash scripts/flask.sh doctor  (any flask command, on this run)",
            f"  Health           {env['PUBLIC_BASE_URL']}/ready",
            f"  Logs             {STATE_DIR / 'logs'}/",
            "",
            "  Press Ctrl-C to stop.",
            "",
        ]
    )


def supervise(processes: list[ManagedProcess]) -> int:
    """Wait for Ctrl-C or SIGTERM, or for a process to die; return the exit status."""
    stop = False

    def request_stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    while not stop:
        for process in processes:
            if not process.running():
                print(f"\n{process.name} exited; its log ends with:\n{process.tail()}")
                return 1
        time.sleep(0.5)
    return 0


def main() -> int:
    """Set everything up, run until interrupted, and stop everything cleanly."""
    STATE_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    STATE_DIR.chmod(0o700)  # generated secrets, data and logs: the owner's only
    embedded = EmbeddedServices()
    processes: list[ManagedProcess] = []
    try:
        env = service_env(embedded)
        make_private(STATE_DIR)  # whatever the embedded servers did to it
        print("applying migrations ...", flush=True)
        run_release(env)
        processes = start_processes(env)
        write_local_env(env_file(STATE_DIR), env)  # for scripts/flask.sh, while this runs
        make_private(STATE_DIR)
        print(banner(env), flush=True)
        return supervise(processes)
    finally:
        print("stopping ...", flush=True)
        remove_local_env(env_file(STATE_DIR))
        stop_all(processes, embedded)
        print("stopped.", flush=True)


def stop_all(processes: list[ManagedProcess], embedded: EmbeddedServices) -> None:
    """Stop web, then the worker, then the emulator, and only then Redis and PostgreSQL,
    which the others use until they have stopped."""
    for process in reversed(processes):
        process.stop()
    embedded.stop()


if __name__ == "__main__":
    sys.exit(main())
