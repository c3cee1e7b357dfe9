"""Structure checks over a package's source, read with `ast` (nothing is imported):
import cycles (every import counts: top level, lazy inside functions, under `if TYPE_CHECKING:`),
modules over a line budget, functions over a line budget.

Used by tests/architecture/test_structure.py and scripts/structure_report.py. Each check returns
its offenders; `report_*` turns them into one message that names every offender with file:line.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


@dataclass(frozen=True)
class Module:
    name: str  # dotted, e.g. opsconsole.tui.app
    path: Path
    is_package: bool  # an __init__.py


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    path: Path
    line: int
    kind: str  # "top-level", "lazy" (inside a function) or "TYPE_CHECKING"


@dataclass(frozen=True)
class Cycle:
    modules: tuple[str, ...]  # every module of one strongly connected component, sorted
    path: tuple[Edge, ...]  # one shortest cycle through the component, edge by edge
    edges: tuple[Edge, ...]  # every import statement from one member to another


@dataclass(frozen=True)
class LongModule:
    path: Path
    lines: int


@dataclass(frozen=True)
class LongFunction:
    path: Path
    line: int
    name: str  # qualified inside the module, e.g. MainScreen.on_mount
    lines: int


def discover(package_dir: Path) -> dict[str, Module]:
    """Every module of the package at package_dir (a directory with __init__.py), by dotted name."""
    modules: dict[str, Module] = {}
    root = package_dir.parent
    for path in sorted(package_dir.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        name = ".".join(parts)
        modules[name] = Module(name, path, is_package)
    return modules


def _resolve_base(module: Module, level: int, target: str | None) -> str | None:
    """The absolute module a `from <dots><target> import ...` names, seen from module."""
    if level == 0:
        return target
    parts = module.name.split(".")
    if not module.is_package:
        parts.pop()  # a plain module's dots count from its package
    up = level - 1
    if up > len(parts):
        return None
    if up:
        parts = parts[:-up]
    if target:
        parts.append(target)
    return ".".join(parts) or None


def _known(name: str, modules: dict[str, Module]) -> str | None:
    """The longest prefix of name that is one of ours (import a.b.c loads a.b.c; a.b.c.attr is a.b.c)."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


def _targets(node: ast.Import | ast.ImportFrom, module: Module, modules: dict[str, Module]) -> set[str]:
    found: set[str] = set()
    if isinstance(node, ast.Import):
        for alias in node.names:
            if (hit := _known(alias.name, modules)) is not None:
                found.add(hit)
        return found
    base = _resolve_base(module, node.level, node.module)
    if base is None:
        return found
    for alias in node.names:
        # `from pkg import name`: the submodule pkg.name when there is one, else pkg itself
        submodule = f"{base}.{alias.name}"
        hit = submodule if alias.name != "*" and submodule in modules else _known(base, modules)
        if hit is not None:
            found.add(hit)
    return found


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, kind: str = "top-level") -> Iterator[tuple[ast.Import | ast.ImportFrom, str]]:
    """Every import statement, wherever it stands, with where it stands."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node, kind
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                yield from _imports(ast.Module(body=[child], type_ignores=[]), "TYPE_CHECKING")
            for child in node.orelse:
                yield from _imports(ast.Module(body=[child], type_ignores=[]), kind)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            yield from _imports(node, "lazy" if kind == "top-level" else kind)
        else:
            yield from _imports(node, kind)


def import_edges(modules: dict[str, Module]) -> list[Edge]:
    """Every import of one of our modules by another: top level, lazy, under TYPE_CHECKING."""
    edges: list[Edge] = []
    for module in modules.values():
        for node, kind in _imports(_parse(module.path)):
            for target in sorted(_targets(node, module, modules)):
                if target != module.name:
                    edges.append(Edge(module.name, target, module.path, node.lineno, kind))
    return edges


def _components(graph: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, iteratively (no recursion limit to meet)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    result: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(graph[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                result.append(sorted(component))
    return result


def _shortest_cycle(
    start: str, members: set[str], graph: dict[str, list[str]], first_edge: dict[tuple[str, str], Edge]
) -> tuple[Edge, ...]:
    """Breadth-first from start back to start, staying inside the component."""
    previous: dict[str, str] = {}
    frontier = [start]
    seen = {start}
    while frontier:
        following: list[str] = []
        for node in frontier:
            for target in sorted(graph[node]):
                if target not in members:
                    continue
                if target == start:
                    chain = [node]
                    while chain[-1] != start:
                        chain.append(previous[chain[-1]])
                    chain.reverse()
                    hops = [*chain, start]
                    return tuple(first_edge[(a, b)] for a, b in itertools.pairwise(hops))
                if target not in seen:
                    seen.add(target)
                    previous[target] = node
                    following.append(target)
        frontier = following
    raise AssertionError(f"no cycle through {start}")  # a component of two or more always has one


def find_cycles(package_dir: Path) -> list[Cycle]:
    modules = discover(package_dir)
    edges = import_edges(modules)
    graph: dict[str, list[str]] = {name: [] for name in modules}
    first_edge: dict[tuple[str, str], Edge] = {}
    for edge in edges:
        if (edge.source, edge.target) not in first_edge:
            first_edge[(edge.source, edge.target)] = edge
            graph[edge.source].append(edge.target)
    cycles = []
    for component in _components(graph):
        if len(component) > 1:
            members = set(component)
            path = _shortest_cycle(component[0], members, graph, first_edge)
            inside = tuple(e for e in edges if e.source in members and e.target in members)
            cycles.append(Cycle(tuple(component), path, inside))
    return sorted(cycles, key=lambda cycle: cycle.modules)


def _in_scope(path: Path, package_dir: Path, exclude: Iterable[str]) -> bool:
    relative = path.relative_to(package_dir).parts
    return not (relative and relative[0] in set(exclude))


def long_modules(
    package_dir: Path, limit: int = MAX_MODULE_LINES, exclude: Iterable[str] = ()
) -> list[LongModule]:
    found = []
    for path in sorted(package_dir.rglob("*.py")):
        if _in_scope(path, package_dir, exclude):
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > limit:
                found.append(LongModule(path, lines))
    return found


def _functions(
    tree: ast.AST, prefix: str = ""
) -> Iterator[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield f"{prefix}{node.name}", node
            yield from _functions(node, f"{prefix}{node.name}.")
        elif isinstance(node, ast.ClassDef):
            yield from _functions(node, f"{prefix}{node.name}.")
        else:
            yield from _functions(node, prefix)


def long_functions(
    package_dir: Path, limit: int = MAX_FUNCTION_LINES, exclude: Iterable[str] = ()
) -> list[LongFunction]:
    """Functions and methods (nested ones too) longer than limit, from the def line to the last line."""
    found = []
    for path in sorted(package_dir.rglob("*.py")):
        if not _in_scope(path, package_dir, exclude):
            continue
        for name, node in _functions(_parse(path)):
            end = node.end_lineno or node.lineno
            lines = end - node.lineno + 1  # node.lineno is the def line: decorators stand above it
            if lines > limit:
                found.append(LongFunction(path, node.lineno, name, lines))
    return found


def _where(path: Path, line: int, root: Path) -> str:
    try:
        shown = path.relative_to(root)
    except ValueError:
        shown = path
    return f"{shown}:{line}"


def report_cycles(cycles: list[Cycle], root: Path) -> str:
    out = [
        f"{len(cycles)} import cycle(s) among the package's modules (lazy and TYPE_CHECKING imports count):"
    ]
    for cycle in cycles:
        chain = " -> ".join([*(edge.source for edge in cycle.path), cycle.path[0].source])
        out.append(f"- {chain}")
        out.append(f"    modules: {', '.join(cycle.modules)}; imports among them:")
        out.extend(
            f"    {_where(edge.path, edge.line, root)}: {edge.source} imports {edge.target} ({edge.kind})"
            for edge in cycle.edges
        )
    return "\n".join(out)


def report_long_modules(found: list[LongModule], root: Path, limit: int = MAX_MODULE_LINES) -> str:
    out = [f"{len(found)} module(s) over {limit} lines:"]
    out.extend(f"- {_where(item.path, 1, root)}: {item.lines} lines" for item in found)
    return "\n".join(out)


def report_long_functions(found: list[LongFunction], root: Path, limit: int = MAX_FUNCTION_LINES) -> str:
    out = [f"{len(found)} function(s) over {limit} lines:"]
    out.extend(f"- {_where(item.path, item.line, root)}: {item.name}, {item.lines} lines" for item in found)
    return "\n".join(out)
