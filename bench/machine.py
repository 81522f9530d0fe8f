"""Describe the machine a benchmark ran on: CPU, cores, RAM, Python, PostgreSQL, Redis."""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

import psycopg2
import redis

from app.devstack import REPO_ROOT
from bench import procfs
from tests.support.services import provide_services

PACKAGES = ("flask", "gunicorn", "gevent", "rq", "redis", "sqlalchemy", "twilio", "aiohttp")


def cpu_model() -> str:
    """The CPU's model name (bench.procfs), else what the platform says."""
    return procfs.cpu_model() or platform.processor() or "unknown"


def memory_gb() -> float | None:
    """Total RAM in GB (bench.procfs)."""
    total = procfs.memory_total()
    return None if total is None else round(total / 2**30, 1)


def git_commit() -> str | None:
    """The checkout's commit, marked `-dirty` when files differ from it."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return f"{commit}-dirty" if dirty else commit


def service_versions() -> dict[str, str]:
    """PostgreSQL's and Redis's versions, found the way the benchmarks find them."""
    with (
        tempfile.TemporaryDirectory(prefix="bench-machine-") as work,
        provide_services(Path(work)) as services,
    ):
        url = services.database_url.replace("postgresql+psycopg2://", "postgresql://")
        connection = psycopg2.connect(url)
        try:
            with connection.cursor() as cursor:
                cursor.execute("SHOW server_version")
                postgres = str(cursor.fetchone()[0])
        finally:
            connection.close()
        client = redis.Redis.from_url(services.redis_url)
        try:
            redis_version = str(client.info("server")["redis_version"])
        finally:
            client.close()
        return {"postgresql": postgres, "redis": redis_version, "services": services.origin}


def describe() -> dict:
    """Everything worth knowing about this machine to read a figure."""
    return {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "cpu_model": cpu_model(),
        "cores": os.cpu_count(),
        "ram_gb": memory_gb(),
        "load_average": [round(load, 2) for load in os.getloadavg()],
        "kernel": platform.release(),
        "python": sys.version.split()[0],
        **service_versions(),
        "packages": {name: metadata.version(name) for name in PACKAGES},
        "commit": git_commit(),
    }
