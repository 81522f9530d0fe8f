"""Which modules a Python file of the repository imports, read with ast: every kind of import
statement, at any depth (under `TYPE_CHECKING`, inside functions), relative ones resolved."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Import:
    """One module imported by one file, at a line."""

    file: str  # relative to the repository, e.g. app/services/inbound.py
    line: int
    module: str


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


def imports_in(tree: ast.Module, file: str, package: str, roots: tuple[str, ...]) -> list[Import]:
    """Every import in a file of the modules under `roots` (top-level package names)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            found += [
                Import(file, node.lineno, module)
                for module in imported_modules(node, package)
                if module.split(".")[0] in roots
            ]
    return found


def imports_of(path: Path, roots: tuple[str, ...]) -> list[Import]:
    """Every import of the modules under `roots` in the file at `path`."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return imports_in(tree, path.relative_to(REPO).as_posix(), package_of(path), roots)
