"""The suite's own layout: helpers in `tests/support/`, fixtures in conftests, and no test file
importing a conftest, a test module or another test directory's files."""

from __future__ import annotations

import ast
from pathlib import Path, PurePosixPath

import pytest

from tests.support.imports import REPO, Import, imports_in, imports_of

TESTS = REPO / "tests"
SUPPORT = "tests.support"


def suite_files() -> list[Path]:
    """Every Python file of the suite: test modules, conftests and the support package."""
    return sorted(TESTS.rglob("*.py"))


def refusal(importer: str, imported: str) -> str | None:
    """Why the test file `importer` (a path under tests/) may not import the module
    `imported`, or None when it may: a test file imports `tests.support` and the app only."""
    if imported == SUPPORT or imported.startswith(f"{SUPPORT}."):
        return None
    parts = imported.split(".")
    if parts[-1] == "conftest":
        return "a conftest: ask for its fixtures by name (pytest injects them)"
    if parts[-1].startswith("test_"):
        return "another test module: move what it shares to tests/support/"
    if PurePosixPath(importer).parent.parts != tuple(parts[:-1]):
        return "a file of another test directory: move it to tests/support/"
    return "a helper beside the tests: every helper lives in tests/support/"


def refused_imports() -> list[tuple[Import, str]]:
    """Each import of the `tests` package in the suite that breaks the layout, with why."""
    found = []
    for path in suite_files():
        for imported in imports_of(path, ("tests",)):
            reason = refusal(imported.file, imported.module)
            if reason is not None:
                found.append((imported, reason))
    return found


def test_test_files_import_only_the_support_package() -> None:
    """No test module, conftest or support module imports a conftest, a test module, or
    another directory's files: what tests share lives in tests/support/."""
    refused = [
        f"{imported.file}:{imported.line} imports {imported.module}: {reason}"
        for imported, reason in refused_imports()
    ]
    assert not refused, "imports against the suite's layout:\n" + "\n".join(refused)


def is_fixture(node: ast.FunctionDef) -> bool:
    """Whether a function is decorated with `pytest.fixture` (called or not)."""
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if ast.unparse(target) in ("pytest.fixture", "fixture"):
            return True
    return False


def test_conftests_hold_fixtures_and_hooks_only() -> None:
    """A conftest defines fixtures and pytest hooks; helpers and types live in tests/support/."""
    misplaced = []
    for path in sorted(TESTS.rglob("conftest.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and (
                is_fixture(node) or node.name.startswith("pytest_")
            ):
                continue
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                misplaced.append(f"{path.relative_to(REPO)}:{node.lineno} {node.name}")
    assert not misplaced, "move these to tests/support/:\n" + "\n".join(misplaced)


def test_no_directory_keeps_its_own_helpers() -> None:
    """Beside the tests, a directory holds test modules, a conftest and data files only."""
    helpers = [
        path.relative_to(REPO).as_posix()
        for path in suite_files()
        if SUPPORT.replace(".", "/") not in path.relative_to(REPO).as_posix()
        and not path.name.startswith("test_")
        and path.name not in ("conftest.py", "__init__.py")
    ]
    assert not helpers, f"move these to tests/support/: {', '.join(helpers)}"


@pytest.mark.parametrize(
    ("importer", "imported", "reason"),
    [
        ("tests/api/test_api_auth.py", "tests.conftest", "a conftest"),
        ("tests/api/test_api_auth.py", "tests.api.conftest", "a conftest"),
        ("tests/support/apps.py", "tests.conftest", "a conftest"),
        ("tests/api/test_api_import_files.py", "tests.api.test_api_import_csv", "test module"),
        ("tests/test_secrets.py", "tests.test_config", "test module"),
        ("tests/cli/test_cli_spool.py", "tests.webhooks.support", "another test directory"),
        ("tests/sending/test_reconcile.py", "tests.emulator.support", "another test directory"),
        ("tests/webhooks/test_webhook_spool.py", "tests.webhooks.support", "beside the tests"),
    ],
)
def test_the_rule_refuses(importer: str, imported: str, reason: str) -> None:
    """Each kind of import the layout forbids is refused, saying which it is."""
    assert reason in (refusal(importer, imported) or "")


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("tests/api/test_api_auth.py", "tests.support.constants"),
        ("tests/conftest.py", "tests.support"),
        ("tests/support/factories.py", "tests.support.webhooks"),
    ],
)
def test_the_rule_allows(importer: str, imported: str) -> None:
    """The support package is open to every test file."""
    assert refusal(importer, imported) is None


def test_the_reader_sees_imports_in_functions_and_relative_ones() -> None:
    """An import inside a test, or relative to the test's package, is read too."""
    source = """
def test_x():
    from tests.webhooks.support import scalar
from .stack import Stack
"""
    found = imports_in(
        ast.parse(source), "tests/dashboard/test_x.py", "tests.dashboard", ("tests",)
    )
    assert sorted((i.line, i.module) for i in found) == [
        (3, "tests.webhooks.support"),
        (4, "tests.dashboard.stack"),
    ]
    assert all(refusal(i.file, i.module) for i in found)
