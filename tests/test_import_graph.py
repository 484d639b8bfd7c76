"""The import graph of ``src/depscreen``: no circles between files, no import upward.

GUIDE.md ("the shape of the system"): data flows one way, and imports point the same
way: a package may import from packages below it, never from one above. Two checks over
every module under ``src/depscreen``, read with :mod:`ast` (module-level imports,
imports inside functions and ``if TYPE_CHECKING:`` imports alike, relative ones
resolved):

* **no circle**: in the graph "file A imports file B", no strongly connected component
  holds more than one module. An edge goes to the deepest module an import names
  (``from depscreen.text import pinned`` -> ``depscreen.text.pinned``;
  ``from depscreen.text import detect_language`` -> ``depscreen/text/__init__.py``);
  the parent packages Python also runs on the way are not edges of their own.
* **no upward import**: every top-level package (or module) of ``depscreen`` has a
  layer in :data:`LAYERS`; an import may stay in its layer or go down, never up.

Stated exceptions: ``depscreen/__init__.py`` holds the constants (``__version__``,
``DISCLAIMER``) that every layer may read, and re-exports ``depscreen.train`` /
``score`` / ... from :mod:`depscreen.api` lazily (its ``__getattr__``); that re-export
is not an edge. There is no other exception: no circle and no upward import is allowed.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
ROOT = "depscreen"

#: Bottom first. A layer is a set of top-level names under ``depscreen`` (a package or a
#: module; ``depscreen`` itself is ``depscreen/__init__.py``). Modules in one layer may
#: import each other; a module may import from its own layer and the layers below it.
#: The order is what the code does today (issue 23), GUIDE's data flow read bottom-up:
#:
#: * corpus is below text: text's word tables are found and parsed by
#:   ``corpus.locate`` / ``corpus.readers.resources`` (GUIDE: readers -> Corpus -> text
#:   processing); the inspection of a corpus, which detects languages, lives in
#:   ``evaluate.inspect``.
#: * explanation_schema reads its schema file through ``text.resources``.
#: * task (what kind of task a label set describes) sits at the bottom: the harness, the
#:   models, population and serve all read it.
#: * population is below models: every model calibrates with ``population.calibration``,
#:   keeps out-of-fold scores with ``population.oof`` and chooses its decision rule with
#:   ``population.decision``.
#: * api is below early, scale, serve, demo and cli, the roads that reach models
#:   through it; cli is the top (it registers every command, the demo's included),
#:   with ``depscreen/__main__.py`` (``python -m depscreen`` runs ``cli.main``).
LAYERS: tuple[frozenset[str], ...] = tuple(
    frozenset(names)
    for names in (
        ("depscreen", "jsonable", "wording", "fitted", "task"),
        ("corpus",),
        ("text",),
        ("explanation_schema",),
        ("embed",),
        ("lexicon",),
        ("features",),
        ("population",),
        ("models",),
        ("evaluate",),
        ("api",),
        ("early",),
        ("scale",),
        ("serve",),
        ("demo",),
        ("cli", "__main__"),
    )
)

#: Edges not counted (the stated exception above): the lazy re-export of the api.
EXEMPT_EDGES: frozenset[tuple[str, str]] = frozenset({("depscreen", "depscreen.api")})


# -------------------------------------------------------------------------- graph --
def module_name(path: Path, src: Path) -> tuple[str, str]:
    """``(module, package)`` of a source file under ``src``."""
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
        return ".".join(parts), ".".join(parts)
    return ".".join(parts), ".".join(parts[:-1])


def _resolve(dotted: str, modules: set[str]) -> str | None:
    """The deepest module of ``modules`` that ``dotted`` names or lies in."""
    while dotted:
        if dotted in modules:
            return dotted
        if "." not in dotted:
            return None
        dotted = dotted.rsplit(".", 1)[0]
    return None


def imported_names(tree: ast.AST, package: str) -> list[tuple[str, int]]:
    """``(dotted name, line)`` for every import in ``tree`` (at any depth), relative ones
    resolved against ``package``. ``from M import a`` gives ``M.a``: :func:`_resolve`
    maps it to the submodule ``M.a`` when there is one, to ``M`` otherwise."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = parts[: len(parts) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found += [(f"{target}.{alias.name}", node.lineno) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
    return found


def import_graph(src: Path, root: str = ROOT) -> dict[str, dict[str, int]]:
    """``{module: {imported module: first line}}`` for every module under ``src/root``;
    only imports of modules under ``root`` are edges, self-imports are not."""
    files = {module_name(p, src): p for p in sorted((src / root).rglob("*.py"))}
    modules = {module for module, _ in files}
    graph: dict[str, dict[str, int]] = {}
    for (module, package), path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        edges: dict[str, int] = {}
        for dotted, line in imported_names(tree, package):
            target = _resolve(dotted, modules)
            if target is not None and target != module and (module, target) not in EXEMPT_EDGES:
                edges.setdefault(target, line)
        graph[module] = edges
    return graph


def circles(graph: Mapping[str, Iterable[str]]) -> list[frozenset[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(graph.get(start, ())))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph.get(child, ()))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(frozenset(component))
    return found


def layer_of(module: str, layers: tuple[frozenset[str], ...] = LAYERS) -> int:
    """Index in ``layers`` of the top-level name a module belongs to."""
    parts = module.split(".")
    top = parts[1] if len(parts) > 1 else parts[0]
    for i, names in enumerate(layers):
        if top in names:
            return i
    raise KeyError(f"{module}: its top-level name {top!r} has no layer in LAYERS; add it")


def upward_imports(graph: Mapping[str, Mapping[str, int]], layers=LAYERS) -> list[tuple[str, str, int]]:
    """``(module, imported module, line)`` for every import into a higher layer; every
    module of ``graph`` must have a layer (a new top-level package needs a place)."""
    layer = {module: layer_of(module, layers) for module in graph}
    return sorted(
        (module, target, line)
        for module, edges in graph.items()
        for target, line in edges.items()
        if layer[target] > layer[module]
    )


@pytest.fixture(scope="module")
def graph() -> dict[str, dict[str, int]]:
    return import_graph(SRC)


def _describe(component: frozenset[str], graph: Mapping[str, Mapping[str, int]]) -> str:
    edges = [f"    {a} -> {b} (line {graph[a][b]})" for a in sorted(component) for b in sorted(graph[a]) if b in component]
    return "\n".join([", ".join(sorted(component))] + edges)


# --------------------------------------------------------------- the real source --
def test_no_import_circle_between_modules(graph):
    found = circles(graph)
    assert not found, "import circles:\n" + "\n".join(_describe(c, graph) for c in found)


def test_no_import_from_a_lower_layer_into_a_higher_one(graph):
    found = [f"{m}:{line} imports {t}" for m, t, line in upward_imports(graph)]
    assert not found, "imports pointing upward (see LAYERS):\n" + "\n".join(found)


def test_the_graph_sees_the_imports_this_issue_cares_about(graph):
    """Real edges of each kind, so the checks above are not run on an empty graph."""
    assert "depscreen.corpus.types" in graph["depscreen.models.base"]  # absolute, module level
    assert "depscreen.text.pinned" in graph["depscreen.text.pipeline"]  # relative, in a function
    assert "depscreen.evaluate.report" in graph["depscreen.evaluate.cv"]
    assert "depscreen" in graph["depscreen.api"]  # from . import DISCLAIMER
    assert "depscreen.api" not in graph["depscreen"]  # the stated exception


# -------------------------------------------------------- the checker on fake trees --
def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def test_the_graph_resolves_every_shape_of_import(tmp_path):
    src = _tree(tmp_path, {
        "depscreen/__init__.py": "",
        "depscreen/a/__init__.py": "from .x import f\n",
        "depscreen/a/x.py": "import os\nfrom depscreen.b.y import g\ndef f():\n    from ..b import z\n",
        "depscreen/a/w.py": "from . import x\nimport depscreen.b.y\nfrom depscreen.b import thing\n",
        "depscreen/a/v.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .w import q\n",
        "depscreen/b/__init__.py": "thing = 1\n",
        "depscreen/b/y.py": "from .z import *\n",
        "depscreen/b/z.py": "from depscreen import a\n",
    })
    g = import_graph(src)
    assert g["depscreen.a"] == {"depscreen.a.x": 1}
    assert g["depscreen.a.x"] == {"depscreen.b.y": 2, "depscreen.b.z": 4}
    assert g["depscreen.a.w"] == {"depscreen.a.x": 1, "depscreen.b.y": 2, "depscreen.b": 3}
    assert g["depscreen.a.v"] == {"depscreen.a.w": 3}
    assert g["depscreen.b.y"] == {"depscreen.b.z": 1}
    assert g["depscreen.b.z"] == {"depscreen.a": 1}
    # a -> a.x -> b.y -> b.z -> a is a circle (through a function-level import too)
    assert circles(g) == [frozenset({"depscreen.a", "depscreen.a.x", "depscreen.b.y", "depscreen.b.z"})]


def test_circles_finds_each_component_and_leaves_a_chain_alone():
    chain = {"a": ["b"], "b": ["c"], "c": []}
    assert circles(chain) == []
    two = {"a": ["b"], "b": ["a", "c"], "c": ["d"], "d": ["e"], "e": ["c"], "f": ["f"]}
    assert sorted(map(sorted, circles(two))) == [["a", "b"], ["c", "d", "e"]]
    # deep enough that a recursive search would hit Python's recursion limit
    ring = {f"m{i}": [f"m{(i + 1) % 5000}"] for i in range(5000)}
    assert circles(ring) == [frozenset(ring)]


def test_upward_imports_are_found_and_layers_are_required():
    layers = (frozenset({"depscreen", "low"}), frozenset({"mid"}), frozenset({"high"}))
    g = {
        "depscreen.high.x": {"depscreen.mid.y": 3, "depscreen.low": 4},
        "depscreen.mid.y": {"depscreen.low": 1, "depscreen.mid.z": 2},
        "depscreen.mid.z": {},
        "depscreen.low": {"depscreen.high.x": 9, "depscreen": 1},
        "depscreen": {},
    }
    assert upward_imports(g, layers) == [("depscreen.low", "depscreen.high.x", 9)]
    with pytest.raises(KeyError, match="'other' has no layer"):
        upward_imports({"depscreen.other": {}}, layers)
