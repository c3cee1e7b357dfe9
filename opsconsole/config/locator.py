"""Finding the line of the config text that defines a key, so messages can name it."""

from __future__ import annotations

import re


class Locator:
    """Maps a key path to the line that defines it (tables, dotted keys and inline tables)."""

    _HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
    _KEY = re.compile(r"^\s*([A-Za-z0-9_\-\"'. ]+?)\s*=")

    def __init__(self, text: str, source: str) -> None:
        self.source = source
        self._entries: list[tuple[tuple[str, ...], int]] = []
        self._lines = text.splitlines()
        table: tuple[str, ...] = ()
        for number, line in enumerate(self._lines, start=1):
            if header := self._HEADER.match(line):
                table = _split_key(header.group(1))
                self._entries.append((table, number))
            elif key := self._KEY.match(line):
                self._entries.append((table + _split_key(key.group(1)), number))

    def line_of(self, path: tuple[str, ...]) -> int | None:
        for entry, number in self._entries:
            if entry == path:
                return number
        # Not defined on a line of its own: the line of the nearest parent, or for a key inside an
        # inline table (`roles = { read = ... }`), the line where that key appears.
        leaf = re.compile(rf"(^|[{{,\s]){re.escape(path[-1])}\s*=")
        for depth in range(len(path) - 1, 0, -1):
            for entry, number in self._entries:
                if entry == path[:depth]:
                    return self._line_in(number, leaf)
        return None

    def _line_in(self, number: int, leaf: re.Pattern[str]) -> int:
        """The line at or below the parent defined at `number` where `leaf` is set, else `number`."""
        line = self._lines[number - 1]
        if self._HEADER.match(line):
            return number
        if leaf.search(line.split("=", 1)[1]):
            return number
        for offset, text in enumerate(self._lines[number : number + 20], start=1):
            if self._HEADER.match(text):
                break
            if leaf.search(text):
                return number + offset
        return number


def _split_key(key: str) -> tuple[str, ...]:
    return tuple(part.strip().strip("\"'") for part in key.split("."))
