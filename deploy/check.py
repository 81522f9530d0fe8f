"""Deploy the service as the README says, with the real PM2 and honcho, and check that it holds.

    .venv/bin/python deploy/check.py                 # package, pm2, honcho, nginx: about 4 minutes
    .venv/bin/python deploy/check.py pm2 --outage 20

`package`: `pip install .` into a fresh virtualenv, and the release step from elsewhere.
`pm2` and `honcho`, each from a copy of this repository's files (its .venv linked, a .env
written as an operator would) with a private PostgreSQL and Redis: the release step, the
start, a variable changed in .env and applied the README's way (while a bounded load on
127.0.0.1 counts refused requests), Redis stopped for the outage with a reboot halfway and
everything back without a hand, then a stop timed against the documented drains. PM2 is
installed from npm into deploy/.tools when missing. `nginx`: the README's block
(deploy/nginx.conf) verbatim but for its ports, certificate and webroot, on 127.0.0.1 with a
self-signed certificate, in front of a PM2 site: sign-in, signed and forged webhooks, forged
forwarded headers, /metrics's token (Debian's nginx is installed with apt-get when missing and
this is root; otherwise the check is skipped). Exit status 1 names the first check that failed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

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
            stop_honcho(process)
            process = start()

        check_variable_change_honcho(site, restart)

        def alive() -> None:
            assert process is not None
            require(process.poll() is None, "honcho exited during the Redis outage")

        def reboot() -> None:
            nonlocal process
            assert process is not None
            stop_honcho(process)
            process = launch()

        check_outage(site, outage, reboot=reboot, watch=alive)

        took = stop_honcho(process)
        log.flush()
        restarts = (root / "honcho.log").read_text().count("keep-up: ")
        report(
            f"honcho stop took {took:.1f} s (limit {HONCHO_STOP_LIMIT:g} s); {restarts} restarts"
        )
    except CheckFailed:
        log.flush()
        site.show_logs(root, lines=60)  # honcho's lines are stamped: who stopped when
        raise
    finally:
        if process is not None and process.poll() is None:
            process.kill()
        log.close()
        services.stop()


def stop_honcho(process: subprocess.Popen[bytes]) -> float:
    """Ctrl-C honcho and wait for it to exit (within its kill wait); the seconds it took."""
    start = time.monotonic()
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=HONCHO_STOP_LIMIT)
    except subprocess.TimeoutExpired:
        raise CheckFailed(f"honcho stop overran its kill wait ({HONCHO_STOP_LIMIT:g} s)") from None
    return time.monotonic() - start


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


NGINX_CONF = REPO / "deploy" / "nginx.conf"
NGINX_START_LIMIT = 15.0
# The README's block as written, and what the check puts in its place: ports on 127.0.0.1 only,
# its own certificate and webroot, the site's gunicorn. Each must occur exactly once.
NGINX_PLACEHOLDERS = (
    "listen 80;",
    "listen 443 ssl;",
    "/etc/letsencrypt/live/your.host/fullchain.pem",
    "/etc/letsencrypt/live/your.host/privkey.pem",
    "root /var/www/html;",
    "proxy_pass http://127.0.0.1:8000;",
)
ADMIN = ("deploycheck@example.org", "deploy-check-admin-password")
# The site's own Twilio token (webhooks are signed with it) and scraper token.
AUTH_TOKEN = "deploy-check-auth-token-of-some-length"
METRICS_TOKEN = "deploy-check-metrics-token-of-some-length"


class CheckSkipped(Exception):
    """A check that cannot run on this machine (a tool missing and no way to install it)."""


def ensure_nginx() -> str:
    """Debian's nginx, installed with apt-get when missing and this is root; else skip."""
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise CheckSkipped("nginx is not installed and this is not root (apt-get install nginx)")
    report("installing nginx (Debian's package) with apt-get")
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "nginx"]
    environ = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(install, env=environ, capture_output=True, check=False).returncode:
        subprocess.run(["apt-get", "update", "-q"], env=environ, capture_output=True, check=True)
        subprocess.run(install, env=environ, capture_output=True, check=True)
    found = shutil.which("nginx", path="/usr/sbin:/sbin")
    require(found, "apt-get installed nginx, but there is no nginx binary")
    return str(found)


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key (openssl), valid for two days."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        capture_output=True,
        check=True,
    )
    return cert, key


class Front:
    """nginx with the README's block (deploy/nginx.conf) on 127.0.0.1, in front of a site.

    Only the ports, the certificate, certbot's webroot and gunicorn's address change; the
    rest of the block is the README's, byte for byte.
    """

    def __init__(self, root: Path, site: Site, nginx: str, pm2: Pm2) -> None:
        self.site = site
        self.nginx = nginx
        self.pm2 = pm2
        self.dir = root / "nginx"
        self.webroot = self.dir / "webroot"
        (self.webroot / ".well-known" / "acme-challenge").mkdir(parents=True)
        (self.dir / "tmp").mkdir()
        self.https_port, self.http_port = free_port(), free_port()
        self.cert, key = self_signed_certificate(self.dir)
        self.base_url = f"https://127.0.0.1:{self.https_port}"
        values = (
            f"listen 127.0.0.1:{self.http_port};",
            f"listen 127.0.0.1:{self.https_port} ssl;",
            str(self.cert),
            str(key),
            f"root {self.webroot};",
            f"proxy_pass http://127.0.0.1:{site.port};",
        )
        block = NGINX_CONF.read_text()
        for placeholder, value in zip(NGINX_PLACEHOLDERS, values, strict=True):
            require(block.count(placeholder) == 1, f"deploy/nginx.conf: no single {placeholder!r}")
            block = block.replace(placeholder, value)
        (self.dir / "nginx.conf").write_text(
            self.main_config(block.replace("your.host", "127.0.0.1"))
        )
        self.process: subprocess.Popen[bytes] | None = None

    def main_config(self, block: str) -> str:
        """A private, foreground nginx around the site's block (Debian's nginx.conf's part)."""
        temp = "\n".join(
            f"    {kind}_temp_path {self.dir / 'tmp' / kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        # As root the workers would run as nobody, who cannot enter this private directory.
        user = "user root;\n" if os.geteuid() == 0 else ""
        return (
            f"{user}daemon off;\nworker_processes 1;\npid {self.dir / 'nginx.pid'};\n"
            f"error_log {self.dir / 'error.log'} warn;\nevents {{ worker_connections 256; }}\n"
            f"http {{\n    access_log {self.dir / 'access.log'};\n{temp}\n{block}}}\n"
        )

    def start(self) -> None:
        """Test the configuration as an operator would (nginx -t), then run nginx."""
        command = [self.nginx, "-p", str(self.dir), "-e", str(self.dir / "error.log")]
        command += ["-c", str(self.dir / "nginx.conf")]
        tested = subprocess.run([*command, "-t"], capture_output=True, text=True, check=False)
        require(tested.returncode == 0, f"nginx -t refused the README's block:\n{tested.stderr}")
        self.process = subprocess.Popen(command, stderr=subprocess.DEVNULL)
        wait_until("nginx answering /health", self.answers, NGINX_START_LIMIT)

    def answers(self) -> bool:
        """Whether /health answers 200 through nginx; fail at once if nginx exited."""
        assert self.process is not None
        require(self.process.poll() is None, f"nginx exited: {self.dir / 'error.log'}")
        try:
            return self.request("GET", "/health")[0] == 200
        except OSError:
            return False

    def stop(self) -> None:
        """Stop nginx (SIGQUIT: finish the requests in flight), killed if it lingers."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def request(
        self,
        method: str,
        path: str,
        headers: dict[str, str] | None = None,
        body: str = "",
        source: str = "127.0.0.1",
    ) -> tuple[int, http.client.HTTPResponse, str]:
        """One request over HTTPS through nginx, its certificate trusted: status, response, body.

        `source` is the client's address (any 127.x.y.z on Linux's loopback).
        """
        context = ssl.create_default_context(cafile=str(self.cert))
        connection = http.client.HTTPSConnection(
            "127.0.0.1", self.https_port, context=context, timeout=10, source_address=(source, 0)
        )
        try:
            connection.request(method, path, body=body.encode(), headers=headers or {})
            response = connection.getresponse()
            return response.status, response, response.read().decode(errors="replace")
        finally:
            connection.close()

    def plain_get(self, path: str) -> tuple[int, str, str]:
        """GET over plain HTTP (port 80's server): status, Location, body."""
        connection = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=10)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.headers.get("Location", ""), response.read().decode()
        finally:
            connection.close()


def sign_in_form(front: Front) -> tuple[str, str]:
    """GET /login through nginx: the session cookie and the form's CSRF token."""
    status, response, page = front.request("GET", "/login")
    require(status == 200, f"GET /login through nginx answered {status}")
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    require(match, "no CSRF token on the sign-in page")
    assert match is not None
    return set_cookies(response), match.group(1)


def post_sign_in(front: Front, cookie: str, token: str, **headers: str) -> tuple[int, str, str]:
    """POST the sign-in form as a browser on this page would (its Referer), plus `headers`:
    the status, the Location and the cookies set."""
    body = urlencode({"csrf_token": token, "email": ADMIN[0], "password": ADMIN[1]})
    sent = {
        "Cookie": cookie,
        "Content-Type": "application/x-www-form-urlencoded",
        "Referer": f"{front.base_url}/login",
        **headers,
    }
    status, response, _ = front.request("POST", "/login", sent, body)
    return status, response.headers.get("Location", ""), set_cookies(response)


def set_cookies(response: http.client.HTTPResponse) -> str:
    """The cookies a response sets, as a Cookie header sends them back."""
    return "; ".join(c.split(";", 1)[0] for c in response.headers.get_all("Set-Cookie") or [])


def check_redirect_and_renewals(front: Front) -> None:
    """Port 80: certbot's challenge files are served, everything else goes to HTTPS."""
    (front.webroot / ".well-known/acme-challenge/probe").write_text("challenge")
    status, _, body = front.plain_get("/.well-known/acme-challenge/probe")
    require((status, body) == (200, "challenge"), f"certbot's webroot over HTTP: {status}")
    status, location, _ = front.plain_get("/login?next=/events")
    require(
        status == 301 and location == "https://127.0.0.1/login?next=/events",
        f"HTTP is not redirected to HTTPS: {status} {location!r}",
    )
    report("port 80: certbot's webroot served, everything else 301 to https")


def check_sign_in(front: Front) -> None:
    """Sign in through nginx on a port other than 443: CSRF's Referer check passes."""
    cookie, token = sign_in_form(front)
    status, location, session = post_sign_in(front, cookie, token)
    require(status == 302 and "login" not in location, f"sign-in answered {status} {location}")
    status, _, _ = front.request("GET", location, {"Cookie": session})
    require(status == 200, f"the dashboard after sign-in answered {status}")
    report(f"sign-in through nginx on port {front.https_port}: 302 to {location}, then 200")


def check_forged_forwarded_headers(front: Front) -> None:
    """A client's own X-Forwarded-Host (or -Port) cannot make a foreign Referer pass."""
    cookie, token = sign_in_form(front)
    for forged in (
        {"X-Forwarded-Host": "evil.example", "Referer": "https://evil.example/login"},
        {"X-Forwarded-Port": "9443", "Referer": "https://127.0.0.1:9443/login"},
    ):
        status, _, _ = post_sign_in(front, cookie, token, **forged)
        require(status == 400, f"forged {sorted(forged)} through nginx answered {status}")
    status, _, _ = post_sign_in(front, cookie, token)
    require(status == 302, f"the same session's own sign-in then answered {status}")
    report("forged X-Forwarded-Host / -Port with a foreign Referer: 400 (the genuine one 302)")


def check_webhooks(front: Front) -> None:
    """Twilio's signature over the public https URL holds through nginx; forged ones 403."""
    from twilio.request_validator import RequestValidator

    path = "/webhooks/twilio/inbound"
    validator = RequestValidator(AUTH_TOKEN)

    def post(form: dict[str, str], signed_url: str | None) -> int:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if signed_url is not None:
            headers["X-Twilio-Signature"] = validator.compute_signature(signed_url, form)
        return front.request("POST", path, headers, urlencode(form))[0]

    public = front.base_url + path
    answers = {
        "signed": post(inbound_form(), public),
        "unsigned": post(inbound_form(), None),
        "signed for http://": post(inbound_form(), public.replace("https://", "http://")),
        "signed for another host": post(inbound_form(), f"https://evil.example{path}"),
    }
    expected = {"signed": 200, "unsigned": 403, "signed for http://": 403}
    expected["signed for another host"] = 403
    require(answers == expected, f"webhooks through nginx: {answers}")
    report(f"webhooks through nginx: {answers}")


def inbound_form() -> dict[str, str]:
    """A guest's WhatsApp message as Twilio posts it (a new MessageSid each time)."""
    sid = "SM" + os.urandom(16).hex()
    return {
        "MessageSid": sid,
        "SmsMessageSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": "whatsapp:+14155550100",
        "To": "whatsapp:+14155238886",
        "Body": "hello",
        "NumMedia": "0",
    }


def check_metrics_token(front: Front) -> None:
    """/metrics through nginx needs the README's METRICS_TOKEN."""
    bare = front.request("GET", "/metrics")[0]
    bearer = {"Authorization": f"Bearer {METRICS_TOKEN}"}
    with_token = front.request("GET", "/metrics", bearer)[0]
    require(bare != 200 and with_token == 200, f"/metrics: {bare} bare, {with_token} with token")
    report(f"/metrics through nginx: {bare} without the token, 200 with it")


def check_access_log(front: Front) -> None:
    """The web's access line is JSON with the client nginx saw, never the query string; the
    log files are for the app's user only."""
    client, agent = "127.0.0.2", f"deploy-check-{os.urandom(4).hex()}"
    front.request("GET", "/health?guest=%2B34600000000", {"User-Agent": agent}, source=client)
    logs = front.site.root / "logs"

    def line() -> dict[str, object] | None:
        for text in (logs / "web.out.log").read_text().splitlines():
            if agent in text:
                found: dict[str, object] = json.loads(text)
                return found
        return None

    wait_until("the request's access line in logs/web.out.log", lambda: line() is not None, 10)
    found = line()
    assert found is not None
    require(found.get("client") == client, f"access line's client is not {client}: {found}")
    require(found.get("path") == "/health", f"access line's path: {found.get('path')!r}")
    require("34600000000" not in json.dumps(found), f"the query string was logged: {found}")
    modes = {path.name: oct(path.stat().st_mode & 0o777) for path in [logs, *logs.glob("*.log")]}
    loose = {name: mode for name, mode in modes.items() if int(mode, 8) & 0o027}
    require(not loose, f"log files readable or writable by others: {loose}")
    report(f"access line through nginx: JSON, client {client}, no query string; modes {modes}")


def check_ready_through_worker_restart(front: Front) -> None:
    """`/ready` through nginx answers 200 at every poll while `pm2 restart worker` runs."""

    def workers() -> tuple[int, str]:
        status, _, body = front.request("GET", "/ready")
        try:
            detail = str(json.loads(body)["checks"]["workers"]["detail"])
        except (ValueError, KeyError, TypeError):
            detail = body[:200]
        return status, detail

    wait_until("a live worker on /ready", lambda: workers()[1].startswith("1 live"), 60)
    answers: list[tuple[int, str]] = []
    restarted = threading.Event()

    def poll() -> None:
        while not restarted.is_set() or not answers[-1][1].startswith("1 live"):
            answers.append(workers())
            time.sleep(0.1)
            require(len(answers) < 600, "no live worker on /ready 60 s after pm2 restart worker")

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    time.sleep(0.5)
    front.pm2("restart", "worker")
    restarted.set()
    poller.join(timeout=70)
    require(not poller.is_alive(), "/ready polling did not end")
    refused = [answer for answer in answers if answer[0] != 200]
    gaps = sorted({detail for _, detail in answers if detail.startswith("0 live")})
    require(not refused, f"/ready failed during pm2 restart worker: {refused[:5]}")
    report(f"/ready through pm2 restart worker: {len(answers)} polls, all 200; gap seen: {gaps}")


# What is proven through nginx, in order, against the PM2 site behind it.
THROUGH_NGINX: tuple[Callable[[Front], None], ...] = (
    check_redirect_and_renewals,
    check_sign_in,
    check_forged_forwarded_headers,
    check_webhooks,
    check_metrics_token,
    check_access_log,
    check_ready_through_worker_restart,
)


def check_nginx(root: Path, outage: float) -> None:
    """The README's nginx block, verbatim, on a port other than 443 in front of PM2's site."""
    del outage  # no outage here
    nginx = ensure_nginx()
    services = EmbeddedServices()
    site = Site(root, services)
    pm2 = Pm2(site, root / "pm2-home")
    front = Front(root, site, nginx, pm2)
    site.settings |= {
        "TRUSTED_PROXIES": "1",
        "PUBLIC_BASE_URL": front.base_url,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "METRICS_TOKEN": METRICS_TOKEN,
        "ADMIN_EMAIL": ADMIN[0],
        "ADMIN_PASSWORD": ADMIN[1],
    }
    site.write_env()
    try:
        site.release()
        pm2("start", "ecosystem.config.js")
        wait_until("/ready after pm2 start", site.ready, timeout=90)
        front.start()
        report(f"nginx {front.base_url} in front of gunicorn on 127.0.0.1:{site.port}")
        for check in THROUGH_NGINX:
            check(front)
    except CheckFailed:
        site.show_logs(site.root / "logs")
        site.show_logs(front.dir)
        raise
    finally:
        front.stop()
        subprocess.run([pm2.binary, "kill"], env=pm2.env, capture_output=True, check=False)
        services.stop()


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
        # The settings in a .env beside the virtualenv, as in a checkout on a VPS; the
        # command runs from another directory with none of them in its environment.
        (root / ".env").write_text(f"APP_ENV=development\nDATABASE_URL={database_url}\n")
        elsewhere = root / "elsewhere"
        elsewhere.mkdir()
        environ = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(elsewhere)}
        result = subprocess.run(
            [str(venv / "bin/flask"), "--app", "app", "db", "upgrade"],
            cwd=elsewhere,
            env=environ,
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
        report(
            f"flask --app app db upgrade from the installed package, run from another directory"
            f" with the .env beside the virtualenv: database at {version}"
        )
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
            except CheckSkipped as reason:
                report(f"{tool}: skipped: {reason}")
                continue
            except CheckFailed as failure:
                report(f"{tool}: FAILED: {failure}")
                return 1
            report(f"{tool}: every check held")
    return 0


CHECKS: dict[str, Callable[[Path, float], None]] = {
    "package": check_package,
    "pm2": check_pm2,
    "honcho": check_honcho,
    "nginx": check_nginx,
}

if __name__ == "__main__":
    sys.exit(main())
