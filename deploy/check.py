"""Deploy the service as the README says, with the real PM2 and honcho, and check that it holds.

    .venv/bin/python deploy/check.py                 # package, pm2, honcho: about 4 minutes
    .venv/bin/python deploy/check.py pm2 --outage 20

`package`: `pip install .` into a fresh virtualenv, and the release step from elsewhere.
`pm2` and `honcho`, each from a copy of this repository's files (its .venv linked, a .env
written as an operator would) with a private PostgreSQL and Redis: the release step, the
start, a variable changed in .env and applied the README's way (while a bounded load on
127.0.0.1 counts refused requests), Redis stopped for the outage with a reboot halfway and
everything back without a hand, then a stop timed against the documented drains. PM2 is
installed from npm into deploy/.tools when missing. Exit status 1 names the first check that
failed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import redis  # noqa: E402

from app.devstack.embedded import (  # noqa: E402
    EmbeddedServices,
    free_port,
    redis_server_executable,
    start_postgres,
    wait_for_redis,
)

TOOLS = REPO / "deploy" / ".tools"
PM2 = TOOLS / "node_modules" / ".bin" / "pm2"
PM2_VERSION = "7"
# What the README and the process files promise: gunicorn drains for 25 s (PM2 kills it after
# 35 s), the worker for 40 s; honcho kills whatever is left after its fixed 5 s.
PM2_STOP_LIMIT = 40.0
HONCHO_STOP_LIMIT = 10.0
# The variable the check changes: the web's /metrics and the worker's registration show it.
PROBE_QUEUE = "deploycheck"
COPY_IGNORE = shutil.ignore_patterns(
    ".git",
    ".venv",
    ".tools",
    "logs",
    ".env",
    "__pycache__",
    "*_cache",
    ".local",
    "build",
    "*.egg-info",
)


class CheckFailed(AssertionError):
    """A promise of the deploy files did not hold."""


def report(message: str) -> None:
    """One line of the check's account, flushed at once (CI logs show progress)."""
    print(f"[deploy-check {time.strftime('%H:%M:%S')}] {message}", flush=True)


def require(condition: object, message: str) -> None:
    """Fail the check with `message` unless `condition` holds."""
    if not condition:
        raise CheckFailed(message)


@contextmanager
def stacks_if_slow(pids: Iterable[int], after: float) -> Iterator[None]:
    """Report the Python stacks (py-spy) of those `pids` still alive `after` seconds in.

    A stop that overruns its limit ends in PM2's SIGKILL, which leaves no trace of where the
    process waited: this takes the picture before that.
    """
    done = threading.Event()

    def watch() -> None:
        if done.wait(after):
            return
        for pid in pids:
            if pid and Path(f"/proc/{pid}").exists():
                dump = subprocess.run(
                    [str(Path(sys.executable).with_name("py-spy")), "dump", "--pid", str(pid)],
                    capture_output=True,
                    text=True,
                    check=False,
                )
                report(f"still running after {after:g} s, pid {pid}:\n{dump.stdout}{dump.stderr}")

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()


def wait_until(what: str, predicate: Callable[[], bool], timeout: float) -> float:
    """Poll `predicate` until it holds; return the seconds it took, or fail naming `what`."""
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            raise CheckFailed(f"{what}: not within {timeout:g} s")
        time.sleep(0.5)
    return time.monotonic() - start


class Site:
    """A deployed copy of the repository: its files, a .env, a private PostgreSQL and Redis."""

    def __init__(self, root: Path, services: EmbeddedServices) -> None:
        self.root = root / "site"
        self.data = root / "data"
        self.services = services
        self.port = free_port()
        self.redis_port = free_port()
        shutil.copytree(REPO, self.root, ignore=COPY_IGNORE)
        # The virtualenv running this check stands for the site's .venv (README: `.venv`).
        (self.root / ".venv").symlink_to(sys.prefix)
        database_url = start_postgres(services, self.data / "postgres")
        self.redis_url = f"redis://127.0.0.1:{self.redis_port}/0"
        self.start_redis()
        self.settings = {
            "APP_ENV": "production",
            "SECRET_KEY": "deploy-check-secret-key-of-some-length",
            "DATABASE_URL": database_url,
            "REDIS_URL": self.redis_url,
            "SENDING_ENABLED": "false",
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": "2",
        }
        self.write_env()

    def write_env(self, **extra: str) -> None:
        """Write .env as an operator edits it: the base settings plus `extra`."""
        lines = [f"{key}={value}" for key, value in {**self.settings, **extra}.items()]
        (self.root / ".env").write_text("\n".join(lines) + "\n")

    def environ(self, activated: bool = False, **extra: str) -> dict[str, str]:
        """A login shell's environment (with the virtualenv activated, or not): none of the
        service's variables, which live in .env."""
        keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "USER")
        environ = {key: os.environ[key] for key in keep if key in os.environ}
        if activated:
            environ["PATH"] = f"{self.root / '.venv/bin'}:{environ.get('PATH', '/usr/bin:/bin')}"
        return environ | extra

    def release(self) -> None:
        """The README's release step, which reads .env through the flask CLI."""
        result = subprocess.run(
            [str(self.root / ".venv/bin/flask"), "--app", "app", "db", "upgrade"],
            cwd=self.root,
            env=self.environ(),
            capture_output=True,
            text=True,
            check=False,
        )
        require(result.returncode == 0, f"release step failed:\n{result.stderr[-2000:]}")

    def get(self, path: str, timeout: float = 5.0) -> tuple[int, str]:
        """GET a path of the web on 127.0.0.1; (0, error) when the connection fails."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.read().decode()
        except OSError as error:
            return 0, type(error).__name__
        finally:
            connection.close()

    def ready(self) -> bool:
        """/ready answers 200: PostgreSQL, Redis and a live worker."""
        return self.get("/ready")[0] == 200

    def probe_visible(self) -> tuple[bool, bool]:
        """Whether the web (/metrics) and a live worker (its queues) see PROBE_QUEUE."""
        status, body = self.get("/metrics")
        web = status == 200 and f'queue="{PROBE_QUEUE}"' in body
        client = redis.Redis.from_url(self.redis_url, socket_timeout=2)
        try:
            from rq import Worker

            worker = any(PROBE_QUEUE in w.queue_names() for w in Worker.all(connection=client))
        except redis.RedisError:
            worker = False
        finally:
            client.close()
        return web, worker

    def run_a_job(self, timeout: float) -> float:
        """Enqueue a job (os.getpid) and wait until a worker has run it; return the seconds.

        A worker's registration survives in Redis after the process is gone, so /ready alone
        could be answered by the memory of a worker: a job run shows a working one.
        """
        from rq import Queue

        client = redis.Redis.from_url(self.redis_url, socket_timeout=2)
        try:
            job = Queue("default", connection=client).enqueue("os.getpid")
            return wait_until(
                "a worker running a job", lambda: job.get_status() == "finished", timeout
            )
        finally:
            client.close()

    def stop_redis(self) -> None:
        """Stop the private Redis (the service's processes stay up)."""
        process = self.services.redis_process
        assert process is not None
        process.terminate()
        process.wait(timeout=10)

    def start_redis(self) -> None:
        """Start the private Redis as production runs it: noeviction, append-only file."""
        directory = self.data / "redis"
        directory.mkdir(parents=True, exist_ok=True)
        self.services.redis_process = subprocess.Popen(
            [
                redis_server_executable(),
                *("--bind", "127.0.0.1", "--port", str(self.redis_port), "--dir", str(directory)),
                *("--save", "", "--appendonly", "yes", "--maxmemory-policy", "noeviction"),
                *("--logfile", str(directory / "redis.log")),
            ],
        )
        wait_for_redis(self.redis_url, timeout=15)

    def metric_dirs(self) -> list[str]:
        """prometheus directories in the temp dir that this site's web uses or left."""
        return sorted(name for name in os.listdir(tempfile.gettempdir()) if str(self.port) in name)

    def show_logs(self, directory: Path, lines: int = 15) -> None:
        """Print the end of every log file in `directory` (for a failure's account)."""
        for path in sorted(directory.glob("*.log")):
            tail = path.read_text(errors="replace").splitlines()[-lines:]
            print(f"--- {path.name} (last {lines} lines)", *tail, sep="\n", flush=True)

    def json_logs(self, path: Path) -> int:
        """Count the JSON lines of a log file; fail on an application line PM2 prefixed."""
        count = 0
        for line in path.read_text().splitlines():
            if line.startswith("{"):
                json.loads(line)
                count += 1
            else:
                require('"logger"' not in line, f"{path.name}: JSON log line prefixed: {line}")
        return count


class Load:
    """A bounded stream of GET /health on fresh connections, counting what fails."""

    def __init__(self, site: Site, threads: int = 4, limit: int = 20_000, seconds: float = 60):
        self.site = site
        self.results: Counter[str] = Counter()
        self.stop = threading.Event()
        self.deadline = time.monotonic() + seconds
        self.limit = limit
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.run, daemon=True) for _ in range(threads)]

    def run(self) -> None:
        """Send requests until stopped, the time is up or the count is reached."""
        while not self.stop.is_set() and time.monotonic() < self.deadline:
            status, detail = self.site.get("/health", timeout=10)
            with self.lock:
                self.results["ok" if status == 200 else f"{status} {detail}"] += 1
                if sum(self.results.values()) >= self.limit:
                    return

    @contextmanager
    def running(self) -> Iterator[Counter[str]]:
        """Run the load around a block; the counter is complete when the block ends."""
        for thread in self.threads:
            thread.start()
        try:
            yield self.results
        finally:
            self.stop.set()
            for thread in self.threads:
                thread.join(timeout=15)


def ensure_pm2() -> Path:
    """PM2 7 from npm in deploy/.tools (gitignored), installed on first use."""
    if not PM2.exists():
        if not shutil.which("npm"):
            raise CheckFailed("npm is not installed: apt-get install npm, or skip PM2 (honcho)")
        report(f"installing pm2@{PM2_VERSION} into {TOOLS}")
        subprocess.run(
            ["npm", "install", "--silent", "--prefix", str(TOOLS), f"pm2@{PM2_VERSION}"],
            check=True,
            env=os.environ | {"PM2_HOME": str(TOOLS / ".pm2-install")},
        )
    return PM2


class Pm2:
    """The pm2 CLI against a private PM2 daemon (PM2_HOME), from the site's directory."""

    def __init__(self, site: Site, home: Path) -> None:
        self.site = site
        self.env = site.environ(PM2_HOME=str(home))
        self.binary = str(ensure_pm2())

    def __call__(self, *args: str) -> str:
        """Run `pm2 ARGS`; fail with its output on a non-zero exit."""
        result = subprocess.run(
            [self.binary, *args],
            cwd=self.site.root,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        require(result.returncode == 0, f"pm2 {' '.join(args)} failed:\n{result.stderr[-2000:]}")
        return result.stdout

    def states(self) -> dict[str, tuple[str, int]]:
        """Each app's PM2 status and restart count."""
        apps = json.loads(self("jlist"))
        return {a["name"]: (a["pm2_env"]["status"], a["pm2_env"]["restart_time"]) for a in apps}

    def pids(self) -> dict[str, int]:
        """Each app's process id (0 when stopped)."""
        return {a["name"]: a["pid"] for a in json.loads(self("jlist"))}


def check_variable_change(site: Site, apply: Callable[[], None], load_seconds: float) -> None:
    """Change RQ_QUEUES in .env, apply it, see it arrive, remove it, see it go; count refusals."""
    load = Load(site, seconds=load_seconds)
    with load.running() as results:
        site.write_env(RQ_QUEUES=f"send,default,{PROBE_QUEUE}")
        apply()
        took = wait_until(
            "the changed RQ_QUEUES in the web and the worker",
            lambda: all(site.probe_visible()),
            timeout=60,
        )
        report(f"changed variable arrived in web and worker after {took:.1f} s")
        site.write_env()
        apply()
        took = wait_until(
            "the removed RQ_QUEUES gone from the web and the worker",
            lambda: not any(site.probe_visible()) and site.ready(),
            timeout=60,
        )
        report(f"removed variable gone from web and worker after {took:.1f} s")
    failed = {key: n for key, n in results.items() if key != "ok"}
    report(f"load during both reloads: {results['ok']} answered, failures {failed or 'none'}")
    require(results["ok"] > 0 and not failed, f"requests failed during the reloads: {failed}")


def check_outage(
    site: Site, seconds: float, reboot: Callable[[], None], watch: Callable[[], None]
) -> None:
    """Stop Redis for `seconds`, "reboot" halfway, and wait for /ready without a hand.

    The first half shows running processes riding out the outage; the reboot (the tool
    stopped and started again, as at boot) shows processes that start while Redis is down and
    exit (the worker does within a second) being started again until it is back.
    """
    site.stop_redis()
    report(f"Redis stopped for {seconds:g} s; reboot after {seconds / 2:g} s")
    end = time.monotonic() + seconds
    halfway = time.monotonic() + seconds / 2
    while time.monotonic() < end:
        if halfway and time.monotonic() >= halfway:
            reboot()
            halfway = 0
        watch()
        time.sleep(2)
    site.start_redis()
    took = wait_until("/ready after Redis came back", site.ready, timeout=90)
    report(f"Redis back: /ready answered 200 after {took:.1f} s")
    took = site.run_a_job(timeout=90)
    report(f"a job enqueued then ran within {took:.1f} s")


def check_pm2(root: Path, outage: float) -> None:
    """The README's PM2 deploy, end to end."""
    services = EmbeddedServices()
    site = Site(root, services)
    pm2 = Pm2(site, root / "pm2-home")
    try:
        site.release()
        report("release step (flask --app app db upgrade, reading .env) done")
        pm2("start", "ecosystem.config.js")
        took = wait_until("/ready after pm2 start", site.ready, timeout=90)
        report(f"pm2 start: /ready 200 after {took:.1f} s; {pm2.states()}")

        def apply() -> None:
            pm2("sendSignal", "SIGHUP", "web")
            pm2("restart", "worker")

        check_variable_change(site, apply, load_seconds=120)

        pm2("save")

        def reboot() -> None:
            pm2("kill")
            pm2("resurrect")

        seen: set[str] = set()
        check_outage(
            site,
            outage,
            reboot=reboot,
            watch=lambda: seen.update(s for s, _ in pm2.states().values()),
        )
        wait_until(
            "both apps online",
            lambda: all(s == "online" for s, _ in pm2.states().values()),
            timeout=30,
        )
        report(f"states seen during the outage: {sorted(seen)}; now {pm2.states()}")
        require("errored" not in seen, "PM2 marked an app errored during the outage")

        dirs = site.metric_dirs()
        require(len(dirs) == 1, f"expected one metrics directory for this site, found {dirs}")
        web_json = site.json_logs(site.root / "logs" / "web.out.log")
        worker_json = site.json_logs(site.root / "logs" / "worker.out.log") + site.json_logs(
            site.root / "logs" / "worker.err.log"
        )
        report(f"metrics dir {dirs[0]}; JSON log lines: web {web_json}, worker {worker_json}")
        require(worker_json > 0, "no JSON log line from the worker")

        start = time.monotonic()
        with stacks_if_slow(pm2.pids().values(), after=PM2_STOP_LIMIT / 2):
            pm2("stop", "ecosystem.config.js")
        took = time.monotonic() - start
        report(f"pm2 stop took {took:.1f} s (limit {PM2_STOP_LIMIT:g} s)")
        require(took < PM2_STOP_LIMIT, "pm2 stop overran the drains")
        require(site.get("/health")[0] == 0, "the web still answers after pm2 stop")
        require(not site.metric_dirs(), f"metrics directory left after the stop: {dirs}")
    except CheckFailed:
        try:
            report(f"PM2 states: {pm2.states()}; /ready: {site.get('/ready')}")
        finally:
            site.show_logs(site.root / "logs")
        raise
    finally:
        subprocess.run([pm2.binary, "kill"], env=pm2.env, capture_output=True, check=False)
        services.stop()


def check_honcho(root: Path, outage: float) -> None:
    """The README's honcho run, end to end."""
    services = EmbeddedServices()
    site = Site(root, services)
    honcho = str(site.root / ".venv/bin/honcho")
    log = (root / "honcho.log").open("w")
    command = [honcho, "start", "-f", "deploy/Procfile.honcho", "-d", "."]
    process: subprocess.Popen[bytes] | None = None
    try:
        subprocess.run(
            [honcho, "run", "flask", "--app", "app", "db", "upgrade"],
            cwd=site.root,
            env=site.environ(activated=True),
            check=True,
            capture_output=True,
        )
        report("release step (honcho run flask --app app db upgrade) done")

        def launch() -> subprocess.Popen[bytes]:
            return subprocess.Popen(
                command, cwd=site.root, env=site.environ(activated=True), stdout=log, stderr=log
            )

        def start() -> subprocess.Popen[bytes]:
            child = launch()
            wait_until("/ready after honcho start", site.ready, timeout=90)
            return child

        process = start()
        report("honcho start: /ready 200")

        def restart() -> None:
            nonlocal process
            assert process is not None
            process.send_signal(signal.SIGINT)
            process.wait(timeout=HONCHO_STOP_LIMIT)
            process = start()

        check_variable_change_honcho(site, restart)

        def alive() -> None:
            assert process is not None
            require(process.poll() is None, "honcho exited during the Redis outage")

        def reboot() -> None:
            nonlocal process
            assert process is not None
            process.send_signal(signal.SIGINT)
            process.wait(timeout=HONCHO_STOP_LIMIT)
            process = launch()

        check_outage(site, outage, reboot=reboot, watch=alive)

        start_time = time.monotonic()
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
        took = time.monotonic() - start_time
        log.flush()
        restarts = (root / "honcho.log").read_text().count("keep-up: ")
        report(
            f"honcho stop took {took:.1f} s (limit {HONCHO_STOP_LIMIT:g} s); {restarts} restarts"
        )
        require(took < HONCHO_STOP_LIMIT, "honcho stop overran its kill wait")
    finally:
        if process is not None and process.poll() is None:
            process.kill()
        log.close()
        services.stop()


def check_variable_change_honcho(site: Site, restart: Callable[[], None]) -> None:
    """honcho has no reload: a changed .env applies at the next start."""
    site.write_env(RQ_QUEUES=f"send,default,{PROBE_QUEUE}")
    restart()
    wait_until("the changed RQ_QUEUES after honcho restart", lambda: all(site.probe_visible()), 60)
    site.write_env()
    restart()
    wait_until(
        "the removed RQ_QUEUES after honcho restart", lambda: not any(site.probe_visible()), 60
    )
    report("honcho: changed and removed variable arrived at the next start")


def check_package(root: Path, outage: float) -> None:
    """`pip install .` into a fresh virtualenv, then the release step outside the repository."""
    del outage  # no outage here
    services = EmbeddedServices()
    try:
        database_url = start_postgres(services, root / "postgres")
        venv = root / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        started = time.monotonic()
        result = subprocess.run(
            [str(venv / "bin/pip"), "install", "--quiet", str(REPO)],
            capture_output=True,
            text=True,
            check=False,
        )
        require(result.returncode == 0, f"pip install . failed:\n{result.stderr[-2000:]}")
        report(f"pip install . into a fresh virtualenv took {time.monotonic() - started:.0f} s")
        elsewhere = root / "elsewhere"
        elsewhere.mkdir()
        environ = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(elsewhere)}
        result = subprocess.run(
            [str(venv / "bin/flask"), "--app", "app", "db", "upgrade"],
            cwd=elsewhere,
            env=environ | {"APP_ENV": "development", "DATABASE_URL": database_url},
            capture_output=True,
            text=True,
            check=False,
        )
        require(result.returncode == 0, f"installed release step failed:\n{result.stderr[-2000:]}")
        client = subprocess.run(
            [str(venv / "bin/python"), "-c", VERSION_QUERY, database_url],
            capture_output=True,
            text=True,
            check=True,
        )
        version = client.stdout.strip()
        heads = sorted(path.name for path in (REPO / "migrations/versions").glob("*.py"))
        require(
            version and heads[-1].startswith(version), f"database at {version!r}, not {heads[-1]}"
        )
        report(f"flask --app app db upgrade from the installed package: database at {version}")
    finally:
        services.stop()


# The revision a database is at, read with the installed package's own driver.
VERSION_QUERY = (
    "import sys, sqlalchemy as sa; from app.database import normalize_database_url as n; "
    "e = sa.create_engine(n(sys.argv[1])); "
    "print(e.connect().execute(sa.text('select version_num from alembic_version')).scalar())"
)


def main(argv: list[str] | None = None) -> int:
    """Run the checks that the arguments name; 0 when every one held."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tools", nargs="*", help=f"any of {', '.join(CHECKS)} (default: all)")
    parser.add_argument("--outage", type=float, default=60.0, help="seconds Redis stays down")
    args = parser.parse_args(argv)
    unknown = set(args.tools) - set(CHECKS)
    if unknown:
        parser.error(f"unknown check {', '.join(sorted(unknown))}: choose from {', '.join(CHECKS)}")
    for tool in args.tools or list(CHECKS):
        with tempfile.TemporaryDirectory(prefix=f"deploy-check-{tool}-") as root:
            report(f"{tool}: checking in {root}")
            try:
                CHECKS[tool](Path(root), args.outage)
            except CheckFailed as failure:
                report(f"{tool}: FAILED: {failure}")
                return 1
            report(f"{tool}: every check held")
    return 0


CHECKS: dict[str, Callable[[Path, float], None]] = {
    "package": check_package,
    "pm2": check_pm2,
    "honcho": check_honcho,
}

if __name__ == "__main__":
    sys.exit(main())
