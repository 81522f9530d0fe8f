"""Every import in `app/` and `worker/` looks down the layers written in `app/layers.py`."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from app.layers import broken_rule, member_of
from tests.support.imports import REPO, Import, imports_in, imports_of, module_name

PACKAGES = ("app", "worker")


def module_files() -> list[Path]:
    """Every Python file of the packages checked."""
    return sorted(path for package in PACKAGES for path in (REPO / package).rglob("*.py"))


def all_imports() -> list[Import]:
    """The imports of the app's own modules in every file checked."""
    return [imported for path in module_files() for imported in imports_of(path, PACKAGES)]


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
        ("app.devstack.embedded", "app.devstack"),
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
    found = imports_in(ast.parse(source), "app/services/x.py", "app.services", PACKAGES)
    assert [(i.line, i.module) for i in found] == [
        (3, "app.sending.claims"),
        (4, "app"),
        (4, "app.headers"),
        (5, "app.services"),
        (6, "app.sending.claims"),
        (8, "app.webhooks.forms"),
        (10, "worker"),
    ]
