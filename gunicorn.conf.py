"""gunicorn settings for the web process: gevent workers, each overridable from the environment.

Run as `gunicorn -c gunicorn.conf.py "app:create_app()"`. gunicorn itself already reads
`PORT` (through `bind` below) and `WEB_CONCURRENCY`; every other knob is `GUNICORN_*`.
"""

import os
import shutil
import subprocess
import sys
import tempfile


def _env_int(name: str, default: int) -> int:
    """Read an integer setting, failing loudly on a malformed value."""
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _env_file(path: str) -> list[str]:
    """The `KEY=value` pairs of an env file, applied to this process before the knobs below.

    gunicorn sets them (`raw_env`) in the master and so in every worker, and on SIGHUP forgets
    them, runs this file again and sets the file's new contents: a changed or removed
    variable reaches the new workers without closing the listening socket.
    """
    from dotenv import dotenv_values

    if not os.path.isfile(path):
        raise SystemExit(f"ENV_FILE {path} does not exist")
    values = {key: value for key, value in dotenv_values(path).items() if value is not None}
    os.environ.update(values)
    return [f"{key}={value}" for key, value in values.items()]


# ENV_FILE (set by ecosystem.config.js on a VPS): the .env file this server reads itself.
if os.environ.get("ENV_FILE"):
    raw_env = _env_file(os.environ["ENV_FILE"])

# Render, Railway and Heroku route to every interface on the port they set (PORT); on a VPS
# behind nginx, GUNICORN_BIND=127.0.0.1:8000 keeps the app port off the network.
bind = os.environ.get("GUNICORN_BIND", "").strip() or f"0.0.0.0:{_env_int('PORT', 8000)}"

# gevent: each worker process runs many greenlets, so a request waiting on the database or
# Redis does not hold up the others. The web never calls Twilio inside a request.
worker_class = "gevent"

# Worker processes: about one per core; gevent provides the concurrency inside each.
workers = _env_int("WEB_CONCURRENCY", 2)

# Upper bound on greenlets (simultaneous requests) per worker; the database pool, not this,
# limits how many of them touch PostgreSQL at once (see DB_POOL_SIZE).
worker_connections = _env_int("GUNICORN_WORKER_CONNECTIONS", 1000)

# Under gevent this fires only when the event loop is blocked for this long (the heartbeat is
# a greenlet): it catches a worker stuck in C code, not slow requests.
timeout = _env_int("GUNICORN_TIMEOUT", 120)

# On SIGTERM, let in-flight requests finish for this long; below Render's 30 s kill window.
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 25)

# Keep idle client connections (the platform's proxy) open this many seconds between requests.
keepalive = _env_int("GUNICORN_KEEPALIVE", 5)

# Recycling a worker caps what a leak could cost, and costs a moment of capacity: the worker
# stops accepting, finishes its requests, and a new one boots (0.7 s to import and build
# the app). Measured (bench/memory_soak.py): a worker's RSS stays at 90.5 MB, flat to
# +0.01 MB per 10,000 requests, over 114,000 webhooks. So recycling is only a safety net:
# after 100,000-150,000 requests (every 6 to 9 minutes per worker at 540 webhooks/s, not
# every few seconds as 1,000 would be under a campaign's callbacks), one worker at a time:
# never while another's replacement boots, nor within RECYCLE_SPACING seconds after it is
# ready (see pre_request).
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 100_000)
max_requests_jitter = _env_int("GUNICORN_MAX_REQUESTS_JITTER", 50_000)
RECYCLE_SPACING = float(os.environ.get("GUNICORN_RECYCLE_SPACING", "15"))

# Never load the app in the master: it would import ssl, SQLAlchemy and redis before the
# gevent worker monkey-patches them, and share pooled connections across fork.
preload_app = False

# The heartbeat file lives in memory; on a disk or overlay filesystem its writes can block.
SHM = "/dev/shm"  # noqa: S108 - gunicorn's documented heartbeat location
if os.path.isdir(SHM):
    worker_tmp_dir = SHM

# Access log to stdout (or the file GUNICORN_ACCESS_LOG names), errors to stderr. Each access
# line is one JSON object like the app's own lines (app/access_log.py): the path without its
# query string (the dashboard's guest search puts phone numbers there) and the client address
# the app trusts (ProxyFix with TRUSTED_PROXIES), not the proxy's.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
logger_class = "app.access_log.JsonAccessLogger"

# Files this server creates (a GUNICORN_ACCESS_LOG file, reopened after rotation on SIGUSR1)
# are 0640: log lines are no business of the machine's other users. (gunicorn's own `umask`
# setting covers only a Unix socket and the heartbeat file.)
os.umask(0o027)

# Trust X-Forwarded-* only as configured; the app applies ProxyFix with TRUSTED_PROXIES.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# gunicorn 27 opens one control socket per machine by default; several servers on one host
# (tests, benchmarks) would fight over it.
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
else:
    control_socket_disable = True

# Prometheus counters from every worker are aggregated through files in this directory: one
# per listening address (two servers on one host must not share it), emptied at each start.
# The default one is removed again when gunicorn exits.
_address = "".join(c if c.isalnum() or c in ".-" else "_" for c in bind)
DEFAULT_METRICS_DIR = os.path.join(tempfile.gettempdir(), f"whatsapp-invites-metrics-{_address}")
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = DEFAULT_METRICS_DIR


def on_starting(server):  # type: ignore[no-untyped-def]
    """Treat SIGINT like SIGTERM, and start from empty metric files.

    PM2 stops processes with SIGINT, which gunicorn takes as "stop now"; a graceful stop lets
    in-flight webhooks finish. prometheus-client's multi-process mode needs an empty directory,
    which must be this user's own (its default name in the temp dir is predictable).
    """
    server.handle_int = server.handle_term
    directory = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory, mode=0o700, exist_ok=True)
    if (
        os.path.islink(directory)
        or os.stat(directory).st_uid != os.getuid()
        or os.listdir(directory)
    ):
        raise RuntimeError(
            f"PROMETHEUS_MULTIPROC_DIR {directory} is not an empty directory of ours"
        )


def when_ready(server):  # type: ignore[no-untyped-def]
    """Create or update the dashboard user from ADMIN_EMAIL / ADMIN_PASSWORD, out of process.

    Its sessions survive the restart unless ADMIN_PASSWORD changed. Its output goes to
    stderr: the command's text confirmation would be the one line of stdout (web.out.log
    under PM2) that is not JSON.
    """
    if os.environ.get("ADMIN_EMAIL") and os.environ.get("ADMIN_PASSWORD"):
        result = subprocess.run(
            # An unchanged ADMIN_PASSWORD must not sign the user out at every restart.
            [sys.executable, "-m", "flask", "--app", "app", "create-admin", "--keep-sessions"],
            check=False,
            timeout=60,
            stdout=sys.stderr,
        )
        if result.returncode:
            server.log.error("create-admin failed with status %s", result.returncode)


# A replacement that has not booted after this long is taken as failed: recycling goes on.
BOOT_LIMIT = 60.0


def _recycle_stamp(master_pid: int) -> str:
    """The file, shared by one master's workers, saying whether a recycle is under way
    ("recycling <time>") or when the last worker became ready ("ready <time>")."""
    return os.path.join(tempfile.gettempdir(), f"gunicorn-{master_pid}-recycled")


def _update_stamp(master_pid: int, decide):  # type: ignore[no-untyped-def]
    """Under the stamp's lock, call `decide(state, seconds since)`; write the state it
    returns (with now) unless None; return what it returned."""
    import fcntl
    import time

    with open(_recycle_stamp(master_pid), "a+") as shared:
        fcntl.flock(shared, fcntl.LOCK_EX)
        shared.seek(0)
        state, _, at = (shared.read() or "ready 0").partition(" ")
        now = time.time()
        new_state = decide(state, now - float(at or 0))
        if new_state is not None:
            shared.seek(0)
            shared.truncate()
            shared.write(f"{new_state} {now}")
        return new_state


def pre_request(worker, req):  # type: ignore[no-untyped-def]
    """Postpone this worker's recycling while another worker's replacement boots, and until
    RECYCLE_SPACING after it is ready.

    gunicorn counts this request next and, at `max_requests`, lets the worker finish and
    exit; while its replacement boots the others carry the load. Two workers doing that at
    once would leave no one to serve. A fixed delay between recycles is not enough (on a
    slow machine a boot outlasts it), so the recycle marks the shared stamp "recycling"
    and the replacement marks it "ready" (post_worker_init); a worker due to recycle in
    between serves a tenth of `max_requests` more first.
    """
    if not worker.alive or not worker.max_requests or worker.nr + 1 < worker.max_requests:
        return

    def decide(state: str, since: float) -> str | None:
        booting = state == "recycling" and since < BOOT_LIMIT
        return None if booting or since < RECYCLE_SPACING else "recycling"

    if _update_stamp(worker.ppid, decide) is None:
        worker.max_requests += max(100, max_requests // 10)
        worker.log.info("Recycling postponed: another worker is recycling or just did")


def post_worker_init(worker):  # type: ignore[no-untyped-def]
    """A worker is ready: recycling may go on, RECYCLE_SPACING from now (see pre_request)."""
    _update_stamp(worker.ppid, lambda state, since: "ready")


def post_fork(server, worker):  # type: ignore[no-untyped-def]
    """Make psycopg2 cooperative in this gevent worker (never in the RQ worker)."""
    from psycogreen.gevent import patch_psycopg

    patch_psycopg()


def on_exit(server):  # type: ignore[no-untyped-def]
    """Remove the workers' shared recycling stamp (see pre_request) and the default metrics
    directory."""
    stamp = _recycle_stamp(os.getpid())
    if os.path.exists(stamp):
        os.remove(stamp)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR") == DEFAULT_METRICS_DIR:
        shutil.rmtree(DEFAULT_METRICS_DIR, ignore_errors=True)


def child_exit(server, worker):  # type: ignore[no-untyped-def]
    """Drop a dead worker's live gauges from the aggregated metrics."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
