"""The house's walls: which rooms may import which (imports read from the source, lazy ones
included, ``if TYPE_CHECKING:`` ones not)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, modules: set[str]) -> set[str]:
    found: set[str] = set()
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _type_checking(node):
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("unspin"):
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                found.add(full if full in modules else node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("unspin"))
        found |= _imports(node, modules)
    return found


def _graph() -> dict[str, set[str]]:
    paths = {}
    for path in (SRC / "unspin").rglob("*.py"):
        name = ".".join(path.relative_to(SRC).with_suffix("").parts)
        paths[name.removesuffix(".__init__")] = path
    modules = set(paths)
    return {
        name: {m for m in _imports(ast.parse(path.read_text("utf-8")), modules) if m != name}
        for name, path in paths.items()
    }


GRAPH = _graph()


def _room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "unspin"


def _uses(room: str) -> set[str]:
    return {_room(m) for name, deps in GRAPH.items() if _room(name) == room for m in deps} - {room}


@pytest.mark.parametrize(
    ("room", "allowed"),
    [
        ("document", {"errors"}),
        ("errors", set()),
        ("taxonomy", {"errors"}),
        ("models", {"errors"}),
        ("datasets", {"errors", "taxonomy"}),
        ("store", {"document", "errors"}),
        ("formats", {"document", "errors", "taxonomy"}),
        ("detectors", {"unspin", "document", "errors", "models", "taxonomy"}),
    ],
)
def test_architecture_room_uses_only_what_it_may(room: str, allowed: set[str]) -> None:
    assert _uses(room) <= allowed


@pytest.mark.parametrize(
    ("room", "forbidden"),
    [
        ("store", "corpus"),  # corpus analyses take a Corpus; the store knows none of them
        ("evaluation", "training"),  # they share datasets; training may score with evaluation
        ("corpus", "cli"),
        ("corpus", "api"),
        ("training", "cli"),
        ("training", "api"),
    ],
)
def test_architecture_room_does_not_use(room: str, forbidden: str) -> None:
    assert forbidden not in _uses(room)


@pytest.mark.parametrize("edge", ["cli", "api"])
def test_architecture_nothing_in_the_core_uses_the_edges(edge: str) -> None:
    users = {_room(n) for n, deps in GRAPH.items() if any(_room(m) == edge for m in deps)}
    assert users - {edge, "cli"} == set()


def test_architecture_modules_import_each_other_in_no_cycle() -> None:
    done: set[str] = set()
    path: list[str] = []

    def visit(name: str) -> None:
        if name in path:
            raise AssertionError(" -> ".join([*path[path.index(name) :], name]))
        if name in done:
            return
        path.append(name)
        for dep in sorted(GRAPH.get(name, ())):
            visit(dep)
        path.pop()
        done.add(name)

    for name in sorted(GRAPH):
        visit(name)
