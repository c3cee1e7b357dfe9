"""The subset of Zabbix 6.0 trigger expressions the emulator evaluates: `last(/host/key) OP number`."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

_EXPRESSION = re.compile(
    r"^\s*last\(/(?P<host>[^/]+)/(?P<key>.+)\)\s*(?P<op><>|>=|<=|=|>|<)\s*(?P<threshold>-?\d+(?:\.\d+)?)\s*$"
)
_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    "<": operator.lt,
    ">=": operator.ge,
    "<=": operator.le,
    "=": operator.eq,
    "<>": operator.ne,
}


@dataclass(frozen=True)
class LastValueExpression:
    """`last(/host/key) OP threshold`: a problem while the item's last value compares true."""

    host: str
    key: str
    op: str
    threshold: float

    def is_problem(self, value: str) -> bool | None:
        """True or False for a numeric value; None when the value is not a number (no change)."""
        try:
            number = float(value)
        except ValueError:
            return None
        return _OPERATORS[self.op](number, self.threshold)


def parse_expression(text: str) -> LastValueExpression | None:
    """The expression, or None when it is outside the subset the emulator understands."""
    match = _EXPRESSION.match(text)
    if match is None:
        return None
    return LastValueExpression(match["host"], match["key"], match["op"], float(match["threshold"]))
