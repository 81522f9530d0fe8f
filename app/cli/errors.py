"""A configuration error under the `flask` CLI: one line per problem, never a traceback."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import click

from app.config import ConfigError

# How `app.config` joins what it found: the variables missing in production, separated by
# commas, or the malformed ones' sentences, separated by semicolons; each starts with a
# variable's name, and a name is all capitals (a "; " inside a sentence is not followed
# by one).
MISSING = re.compile(
    r"^missing required environment variables for (?P<env>\w+): (?P<names>.*?)"
    r"(?: \((?P<hint>set APP_ENV=[^)]*)\))?$"
)
INVALID_PREFIX = "invalid configuration: "
NAME_AFTER_COMMA = re.compile(r", (?=[A-Z][A-Z0-9_]+\b)")
NAME_AFTER_SEMICOLON = re.compile(r"; (?=[A-Z][A-Z0-9_]+\b)")
LOCAL_RUN_HINT = (
    "the local run's settings: bash scripts/flask.sh <command> (see README, Quick start)"
)


def config_problems(error: ConfigError) -> list[str]:
    """Each problem of a configuration error as a sentence of its own."""
    message = str(error)
    missing = MISSING.match(message)
    if missing:
        names = NAME_AFTER_COMMA.split(missing["names"])
        return [f"{name} is required in {missing['env']} and not set" for name in names]
    if message.startswith(INVALID_PREFIX):
        return NAME_AFTER_SEMICOLON.split(message.removeprefix(INVALID_PREFIX))
    return [message]


def config_hints(error: ConfigError) -> list[str]:
    """What to do about missing settings: local defaults, or the local run's settings."""
    missing = MISSING.match(str(error))
    if not missing:
        return []
    hint = missing["hint"] or "set APP_ENV=development for local defaults"
    return [hint, LOCAL_RUN_HINT]


@contextmanager
def config_errors_end_the_command() -> Iterator[None]:
    """Under the `flask` CLI, end the command on a `ConfigError` with one line per problem.

    Elsewhere (gunicorn, the worker, tests) the error propagates unchanged. The exit is a
    `SystemExit`, which Flask's CLI lets through even where it loads the app to list the
    commands (there it prints any exception's traceback).
    """
    try:
        yield
    except ConfigError as error:
        if click.get_current_context(silent=True) is None:
            raise
        for problem in config_problems(error):
            click.secho(f"configuration error: {problem}", err=True, fg="red")
        for hint in config_hints(error):
            click.echo(f"hint: {hint}", err=True)
        raise SystemExit(1) from None
