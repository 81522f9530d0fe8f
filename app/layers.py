"""The app's layers, low to high: a module imports its own layer's and lower layers' only.

The interfaces (blueprints and commands) are leaves that only `app.factory` imports: they
never import each other, and reach the engine (`app.sending`) through `app.services` (or
`app.health`), never directly.

The one place the order is written; `tests/test_layers.py` reads every import in `app/` and
`worker/` (those under `TYPE_CHECKING` and inside functions too) and fails on one that
breaks a rule here, naming the file, the import and the rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class Layer:
    """A rank in the import order: its modules and packages, and what they are."""

    name: str
    members: tuple[str, ...]  # a package stands for its submodules too
    holds: str


LAYERS = (
    Layer(
        "foundation",
        (
            "app.config",
            "app.database",
            "app.logs",
            "app.access_log",
            "app.bodies",
            "app.errors",
            "app.urls",
            "app.statements",
            "app.models",
            "app.extensions",
            "app.sessions",
            "app.headers",
            "app.i18n",
        ),
        "settings, engines, models, extensions, request plumbing, the pages' language",
    ),
    Layer("engine", ("app.sending",), "the Flask-free sender"),
    Layer(
        "domain",
        ("app.services",),
        "what views and jobs call, the webhooks' forms and spool among it",
    ),
    Layer(
        "jobs and health",
        ("app.tasks", "app.health"),
        "RQ jobs; the checks and figures /ready, /metrics, /system and the CLI share",
    ),
    Layer(
        "interfaces",
        (
            "app.webhooks",
            "app.api",
            "app.dashboard",
            "app.guest_pages",
            "app.media",
            "app.cli",
        ),
        "blueprints and commands: leaves that only the factory imports",
    ),
    Layer(
        "entry points",
        ("app.factory", "app", "worker"),
        "the factory builds the app (`app` only wraps it); the worker runs the jobs",
    ),
)
RANKS = MappingProxyType(
    {member: rank for rank, layer in enumerate(LAYERS) for member in layer.members}
)
ROOT = "app"  # the package itself: stands for `app/__init__.py` alone, not its submodules
INTERFACES = LAYERS[4]
ENGINE = "app.sending"
FACTORY = "app.factory"
# A job builds its app: `from app import create_app` inside the job function.
BUILDS_ITS_APP = ("app.tasks",)
# Outside the order. The emulator is a separate process that speaks HTTP: it imports
# nothing of the app, and the app nothing of it. Development tooling (the local run's and
# the tests' embedded services, this table) may import the app; the app never imports it.
EMULATOR = "app.emulator"
TOOLING = ("app.devstack", "app.layers")


def is_in(module: str, member: str) -> bool:
    """Whether `module` is `member` or, for a package other than the root, inside it."""
    return module == member or (member != ROOT and module.startswith(member + "."))


def member_of(module: str) -> str | None:
    """The layer member or outside package that holds `module`, or None when nothing does."""
    found = [member for member in (*RANKS, EMULATOR, *TOOLING) if is_in(module, member)]
    return max(found, key=len) if found else None


def broken_rule(importer: str, imported: str) -> str | None:
    """The rule that `importer` importing `imported` breaks, or None when it may."""
    source, target = member_of(importer), member_of(imported)
    if source is None or target is None:
        unplaced = importer if source is None else imported
        return f"{unplaced} has no place in app/layers.py: add it to a layer"
    if source == target:
        return None
    if source in TOOLING:
        return None
    if EMULATOR in (source, target):
        return "the emulator and the app import nothing of each other (they speak HTTP)"
    if target in TOOLING:
        return "development tooling is for scripts and tests; the app never imports it"
    return _layer_rule(source, target)


def _layer_rule(source: str, target: str) -> str | None:
    """The rule broken between two members of the layers, or None."""
    low, high = RANKS[source], RANKS[target]
    if high > low and not (target == ROOT and source in BUILDS_ITS_APP):
        return (
            f"goes up: {source} ({LAYERS[low].name}) may import only its own layer and those"
            f" below, not {target} ({LAYERS[high].name})"
        )
    if target in INTERFACES.members and source != FACTORY:
        if source in INTERFACES.members:
            return "goes sideways: interfaces never import each other"
        return "interfaces are leaves: only app.factory imports them"
    if source in INTERFACES.members and target == ENGINE:
        return "interfaces reach the engine through app.services (or app.health), never app.sending"
    return None
