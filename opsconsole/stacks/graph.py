"""Dependency order of stacks: levels that can deploy in parallel, and cycles named in full."""

from __future__ import annotations

from collections.abc import Mapping


def find_cycle(edges: Mapping[str, tuple[str, ...]]) -> list[str] | None:
    """A dependency cycle as a path (a -> b -> a), or None."""
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for upstream in edges.get(node, ()):
            if state.get(upstream) == 1:
                return [*path[path.index(upstream) :], upstream]
            if upstream not in state and (cycle := visit(upstream)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in edges:
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def levels(edges: Mapping[str, tuple[str, ...]], order: list[str]) -> list[list[str]]:
    """Stacks grouped so that each group depends only on earlier groups; manifest order within."""
    placed: dict[str, int] = {}
    remaining = list(order)
    while remaining:
        progressed = False
        for node in list(remaining):
            if all(upstream in placed for upstream in edges.get(node, ())):
                placed[node] = 1 + max((placed[u] for u in edges.get(node, ())), default=-1)
                remaining.remove(node)
                progressed = True
        if not progressed:
            raise ValueError(f"dependency cycle among {remaining}")
    grouped: list[list[str]] = [[] for _ in range(max(placed.values(), default=-1) + 1)]
    for node in order:
        grouped[placed[node]].append(node)
    return grouped


def downstream_of(edges: Mapping[str, tuple[str, ...]], failed: str) -> set[str]:
    """Every stack that depends, directly or not, on `failed`."""
    result: set[str] = set()
    frontier = {failed}
    while frontier:
        frontier = {node for node, ups in edges.items() if set(ups) & frontier} - result
        result |= frontier
    return result
