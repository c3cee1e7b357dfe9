"""The runbook's step graph: where each step can go next, and loops that never wait."""

from __future__ import annotations

from opsconsole.runbooks.model import END, Runbook, Step


def sequential_next(runbook: Runbook, step: Step) -> str:
    """The step after `step` when nothing redirects it: its `next`, the following step, or the end."""
    if step.next:
        return step.next
    index = runbook.index(step.id)
    return runbook.steps[index + 1].id if index + 1 < len(runbook.steps) else END


def successors(runbook: Runbook) -> dict[str, list[str]]:
    """Every step id a step may jump to (END left out)."""
    edges: dict[str, list[str]] = {}
    ids = {s.id for s in runbook.steps}
    for step in runbook.steps:
        targets = [sequential_next(runbook, step)]
        if step.kind == "branch":
            targets = [step.then or END, step.otherwise or sequential_next(runbook, step)]
        if step.on_failure.mode == "goto" and step.on_failure.target:
            targets.append(step.on_failure.target)
        edges[step.id] = [t for t in dict.fromkeys(targets) if t in ids]
    return edges


def cycles_without_wait(runbook: Runbook, edges: dict[str, list[str]]) -> list[list[str]]:
    """Strongly connected groups of steps (a loop) with no wait step in them, in file order."""
    found = []
    for group in _strongly_connected(edges):
        looping = len(group) > 1 or group[0] in edges.get(group[0], [])
        if looping and not any(runbook.step(s).kind == "wait" for s in group):
            found.append(sorted(group, key=runbook.index))
    return sorted(found, key=lambda g: runbook.index(g[0]))


def _strongly_connected(edges: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative so a long runbook cannot hit the recursion limit."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0
    for root in edges:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, child = work.pop()
            if child == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            targets = edges.get(node, [])
            if child < len(targets):
                work.append((node, child + 1))
                target = targets[child]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                groups.append(group)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return groups
