"""YAML read with the line of every key and item, so each validation problem can name its line."""

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


def load(text: str) -> Any:
    """The document as LMap/LList/scalars.

    Raises:
        YamlSyntaxError: the text is not YAML, with the line the parser stopped at.
    """
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        return None if node is None else _convert(loader, node)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else 0
        raise YamlSyntaxError(f"not valid YAML: {e.problem or e.context}", line) from e
    except yaml.YAMLError as e:
        raise YamlSyntaxError(f"not valid YAML: {e}", 0) from e
    finally:
        loader.dispose()


def _convert(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    line = node.start_mark.line + 1
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
