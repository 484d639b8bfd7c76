"""No module imports a ``_private`` name (or a ``_private`` module) from another package.

A leading underscore says "this may change without notice"; a package that imports
another package's private name breaks silently when that package changes (issue 23:
early detection re-implemented prediction from the default model's ``_aligned``,
``_log`` and ``_stack_proba``). The check reads every module under ``src/depscreen``
with :mod:`ast`, module-level imports and imports inside functions alike.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
ROOT = SRC / "depscreen"

#: Imports that cross a package boundary today, each ``(importing module, imported
#: name)``; the test fails when one disappears, so the list can only shrink. Empty since
#: the steppers moved beside their models (issue 23); keep it so.
KNOWN: set[tuple[str, str]] = set()


def _module_name(path: Path) -> tuple[str, str]:
    """``(module, package)`` of a source file."""
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
        return ".".join(parts), ".".join(parts)
    return ".".join(parts), ".".join(parts[:-1])


def _is_private(part: str) -> bool:
    return part.startswith("_") and not part.startswith("__")


def _owner(dotted: str) -> str:
    """The package a dotted name belongs to: itself for a package, its parent otherwise."""
    path = SRC.joinpath(*dotted.split("."))
    return dotted if (path / "__init__.py").is_file() else dotted.rsplit(".", 1)[0]


def private_imports(path: Path) -> list[tuple[str, str, int]]:
    """``(module, imported dotted name, line)`` for every private name or private module
    that ``path`` imports from a package other than its own."""
    module, package = _module_name(path)
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names = [f"{target}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for dotted in names:
            if not dotted.startswith("depscreen."):
                continue
            parts = dotted.split(".")
            for i, part in enumerate(parts):
                if not _is_private(part):
                    continue
                if _owner(".".join(parts[:i])) != package:  # the package holding the private name
                    found.append((module, ".".join(parts[: i + 1]), node.lineno))
                break
    return found


def _all_private_imports() -> list[tuple[str, str, int]]:
    return [hit for path in sorted(ROOT.rglob("*.py")) for hit in private_imports(path)]


def test_no_module_imports_a_private_name_from_another_package():
    hits = _all_private_imports()
    new = sorted(f"{m}:{line} imports {name}" for m, name, line in hits if (m, name) not in KNOWN)
    assert not new, "private names imported across packages:\n" + "\n".join(new)


def test_the_known_exceptions_are_still_there():
    """Once an import in KNOWN is gone, remove it from KNOWN (the list only shrinks)."""
    present = {(m, name) for m, name, _ in _all_private_imports()}
    assert not KNOWN - present, f"remove from KNOWN: {sorted(KNOWN - present)}"


def test_the_check_sees_relative_absolute_and_function_level_imports(tmp_path, monkeypatch):
    """The checker itself: it must flag each shape of import, and leave alone a private
    name from the module's own package and public names."""
    pkg = tmp_path / "depscreen"
    for sub in ("a", "b"):
        (pkg / sub).mkdir(parents=True)
        (pkg / sub / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "b" / "lib.py").write_text("def _hidden(): pass\ndef shown(): pass\n")
    (pkg / "b" / "_impl.py").write_text("def tool(): pass\n")
    (pkg / "b" / "same.py").write_text("from .lib import _hidden\n")  # own package: allowed
    (pkg / "a" / "user.py").write_text(
        "from ..b.lib import _hidden, shown\n"
        "from depscreen.b._impl import tool\n"
        "def f():\n    from ..b import lib\n    from depscreen.b.lib import _hidden as h\n"
    )
    monkeypatch.setitem(globals(), "SRC", tmp_path)
    hits = sorted((name, line) for _, name, line in private_imports(pkg / "a" / "user.py"))
    assert hits == [("depscreen.b._impl", 2), ("depscreen.b.lib._hidden", 1), ("depscreen.b.lib._hidden", 5)]
    assert private_imports(pkg / "b" / "same.py") == []
