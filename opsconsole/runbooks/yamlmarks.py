"""YAML read with the line of every key and item, so each validation problem can name its line.

Runbooks are files people pass around, so the reader is bounded before anything is built: the
text's size, the nesting depth (counted on the parser's event stream, which is not recursive)
and the number of nodes the document would have once its aliases are expanded (counted on the
node graph, where an alias is a shared node). A 361-byte "billion laughs" is refused in
milliseconds instead of taking gigabytes.
"""

from __future__ import annotations

from typing import Any

import yaml


class LMap(dict[str, Any]):
    """A mapping that remembers its own line and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LList(list[Any]):
    line: int = 0
    item_lines: list[int]


class YamlSyntaxError(Exception):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


MAX_BYTES = 512_000
MAX_DEPTH = 40
MAX_NODES = 100_000
"""Nodes once aliases are expanded; the largest shipped runbook has a few hundred."""


def load(text: str) -> Any:
    """The document as LMap/LList/scalars.

    Raises:
        YamlSyntaxError: the text is not YAML (with the line the parser stopped at), or it is
            beyond the limits above.
    """
    if len(text) > MAX_BYTES:
        raise YamlSyntaxError(f"the file is larger than {MAX_BYTES // 1000} kB; a runbook is far smaller", 1)
    _check_brackets(text)
    loader: yaml.SafeLoader | None = None
    try:
        loader = yaml.SafeLoader(text)
        _check_depth(text)
        node = loader.get_single_node()
        if node is None:
            return None
        _check_size(node)
        return _convert(loader, node)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else 0
        raise YamlSyntaxError(f"not valid YAML: {e.problem or e.context}", line) from e
    except yaml.YAMLError as e:
        raise YamlSyntaxError(f"not valid YAML: {e}", 0) from e
    finally:
        if loader is not None:
            loader.dispose()


def _check_brackets(text: str) -> None:
    """PyYAML's scanner slows down with the square of flow nesting (`[[[[...`): refuse a text
    with more open brackets than any runbook needs before the scanner sees it."""
    depth = 0
    for number, char in enumerate(text):
        if char in "[{":
            depth += 1
            if depth > 5 * MAX_DEPTH:
                raise YamlSyntaxError(
                    f"more than {5 * MAX_DEPTH} brackets open at once", text.count("\n", 0, number) + 1
                )
        elif char in "]}" and depth:
            depth -= 1


def _check_depth(text: str) -> None:
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                line = event.start_mark.line + 1 if event.start_mark else 0
                raise YamlSyntaxError(f"nested more than {MAX_DEPTH} levels deep", line)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _check_size(root: yaml.Node) -> None:
    """Refuse a document whose aliases expand to more than MAX_NODES nodes or MAX_DEPTH levels, or
    refer to themselves (measured once per shared node: a bomb costs as little as it took to write)."""
    measured: dict[int, tuple[int, int]] = {}
    open_nodes: set[int] = set()

    def measure(node: yaml.Node) -> tuple[int, int]:
        if (known := measured.get(id(node))) is not None:
            return known
        if id(node) in open_nodes:
            raise YamlSyntaxError("an alias (*name) refers to the value it is in", node.start_mark.line + 1)
        open_nodes.add(id(node))
        children: list[yaml.Node] = []
        if isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        size, depth = 1, 0
        for child in children:
            child_size, child_depth = measure(child)
            size, depth = min(size + child_size, MAX_NODES + 1), max(depth, child_depth)
        open_nodes.discard(id(node))
        measured[id(node)] = (size, depth + 1)
        return size, depth + 1

    size, depth = measure(root)
    if size > MAX_NODES or depth > MAX_DEPTH:
        raise YamlSyntaxError(
            f"its aliases (*name) expand to more than {MAX_NODES} values or {MAX_DEPTH} levels; "
            "write the values out instead",
            root.start_mark.line + 1,
        )


_PLAIN_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}


def _convert(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.CollectionNode) and node.tag not in _PLAIN_TAGS:
        raise YamlSyntaxError(
            f"the tag {node.tag!r} is not allowed here: write plain lists and mappings", line
        )
    if isinstance(node, yaml.MappingNode):
        result = LMap()
        result.line = line
        result.key_lines = {}
        for key_node, value_node in node.value:
            key = str(loader.construct_object(key_node, deep=True))
            result[key] = _convert(loader, value_node)
            result.key_lines[key] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        items = LList(_convert(loader, item) for item in node.value)
        items.line = line
        items.item_lines = [item.start_mark.line + 1 for item in node.value]
        return items
    return loader.construct_object(node, deep=True)
