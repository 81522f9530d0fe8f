"""Every import in `app/` and `worker/` looks down the layers written in `app/layers.py`."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.layers import broken_rule, member_of

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("app", "worker")


@dataclass(frozen=True)
class Import:
    """One module imported by one file, at a line."""

    file: str  # relative to the repository, e.g. app/services/inbound.py
    line: int
    module: str


def module_files() -> list[Path]:
    """Every Python file of the packages checked."""
    return sorted(path for package in PACKAGES for path in (REPO / package).rglob("*.py"))


def module_name(path: Path) -> str:
    """`app/services/inbound.py` → `app.services.inbound`; a package's `__init__` → the package."""
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(name: str) -> bool:
    """Whether `name` is a module or package of the repository (not a name inside one)."""
    path = REPO.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def package_of(path: Path) -> str:
    """The package a file's relative imports start from."""
    name = module_name(path)
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def imported_modules(node: ast.Import | ast.ImportFrom, package: str) -> list[str]:
    """The modules an import statement loads: `from app import headers` is `app.headers`."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:  # relative: `.` is the importer's package, each further dot one up
        start = package.split(".")[: len(package.split(".")) - node.level + 1]
        base = ".".join([*start, *([base] if base else [])])
    modules = [
        f"{base}.{alias.name}" if is_module(f"{base}.{alias.name}") else base
        for alias in node.names
    ]
    return list(dict.fromkeys(modules))  # `from m import a, b` imports m once


def imports_in(tree: ast.Module, file: str, package: str) -> list[Import]:
    """Every import of the app's own modules in a file, under TYPE_CHECKING and in functions."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            found += [
                Import(file, node.lineno, module)
                for module in imported_modules(node, package)
                if module.split(".")[0] in PACKAGES
            ]
    return found


def all_imports() -> list[Import]:
    """The imports of every file checked."""
    found = []
    for path in module_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        found += imports_in(tree, path.relative_to(REPO).as_posix(), package_of(path))
    return found


def breaches() -> list[tuple[Import, str]]:
    """Each import that breaks a rule, with the rule."""
    found = []
    for imported in all_imports():
        rule = broken_rule(module_name(REPO / imported.file), imported.module)
        if rule is not None:
            found.append((imported, rule))
    return found


def test_every_module_has_a_place() -> None:
    """A new module or package is placed in a layer (or outside the order) on purpose."""
    unplaced = [
        path.relative_to(REPO).as_posix()
        for path in module_files()
        if member_of(module_name(path)) is None
    ]
    assert not unplaced, f"add these to app/layers.py: {', '.join(unplaced)}"


def test_imports_look_down_the_layers() -> None:
    """No import goes up a layer, sideways between interfaces, or past the services."""
    broken = [
        f"{imported.file}:{imported.line} imports {imported.module}: {rule}"
        for imported, rule in breaches()
    ]
    assert not broken, "imports against app/layers.py:\n" + "\n".join(broken)


@pytest.mark.parametrize(
    ("importer", "imported", "rule"),
    [
        ("app.services.delivery", "app.webhooks.forms", "goes up"),
        ("app.models.user", "app.services.users", "goes up"),
        ("app.sending.sender", "app.tasks.sending", "goes up"),
        ("app.tasks.spool", "app.factory", "goes up"),
        ("app.api.events", "app.dashboard.text", "goes sideways"),
        ("worker.sweeper", "app.webhooks.views", "only app.factory imports them"),
        ("app.dashboard.system", "app.sending.claims", "never app.sending"),
        ("app.cli.jobs", "app.sending", "never app.sending"),
        ("app.sending.client", "app.emulator.server", "import nothing of each other"),
        ("app.emulator.state", "app.config", "import nothing of each other"),
        ("app.health.metrics", "app.devstack", "the app never imports it"),
        ("app.widgets", "app.config", "has no place in app/layers.py"),
    ],
)
def test_rules_refuse(importer: str, imported: str, rule: str) -> None:
    """Each rule refuses what it should, and says which it is."""
    assert rule in (broken_rule(importer, imported) or "")


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("app.services.inbound", "app.services.webhook_forms"),
        ("app.services.delivery", "app.sending.statuses"),
        ("app.health.backlog", "app.sending.claims"),
        ("app.dashboard.system", "app.health.backlog"),
        ("app.cli.spool", "app.tasks.spool"),
        ("app.tasks.spool", "app"),  # a job builds its app
        ("worker", "app"),
        ("app", "app.factory"),
        ("app.factory", "app.webhooks"),
        ("app.embedded", "app.devstack"),
        ("app.devstack", "app.config"),
        ("app.emulator.state", "app.emulator.config"),
    ],
)
def test_rules_allow(importer: str, imported: str) -> None:
    """Imports down the layers, within a package, and the named exceptions pass."""
    assert broken_rule(importer, imported) is None


def test_reader_finds_every_kind_of_import() -> None:
    """Imports under TYPE_CHECKING, in functions, relative, and submodules named by `from`."""
    source = """
from typing import TYPE_CHECKING
import app.sending.claims
from app import create_app, headers
from . import forms
from ..sending import claims
if TYPE_CHECKING:
    from app.webhooks.forms import InboundForm
def job():
    from worker import run
"""
    found = imports_in(ast.parse(source), "app/services/x.py", "app.services")
    assert [(i.line, i.module) for i in found] == [
        (3, "app.sending.claims"),
        (4, "app"),
        (4, "app.headers"),
        (5, "app.services"),
        (6, "app.sending.claims"),
        (8, "app.webhooks.forms"),
        (10, "worker"),
    ]
