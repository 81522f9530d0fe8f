"""The worker imports what its forked processes run before it forks them (`FORKED_MODULES`).

A module missing from the list still works, imported again by every work horse and sweeper:
these tests name the one forgotten.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from worker import FORKED_MODULES

ROOT = Path(__file__).resolve().parents[1]
# A job is enqueued by its dotted path: "app.tasks.sending.send_due_invitations".
JOB_PATH = re.compile(r"""["'](app\.tasks\.\w+)\.\w+["']""")


def test_every_enqueued_job_module_is_imported_before_the_horses_are_forked() -> None:
    enqueued = {
        match.group(1)
        for source in (ROOT / "app").rglob("*.py")
        for match in JOB_PATH.finditer(source.read_text(encoding="utf-8"))
    }
    assert enqueued, "no job path found: the pattern no longer matches how jobs are named"
    assert enqueued <= set(FORKED_MODULES)


def test_every_module_the_sweeper_imports_late_is_imported_before_it_is_forked() -> None:
    tree = ast.parse((ROOT / "worker" / "sweeper.py").read_text(encoding="utf-8"))
    late = {
        node.module
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef)
        for node in ast.walk(function)
        if isinstance(node, ast.ImportFrom)
        and node.module
        and node.module.startswith("app.")
        and node.module not in {"app.extensions"}  # imported by the app factory already
    }
    assert late, "the sweeper imports nothing late any more: drop this test"
    assert late <= set(FORKED_MODULES)
