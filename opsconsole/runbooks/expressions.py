"""The runbooks' expression language: JMESPath over the run's context, plus `{{ expr }}` templates.

No eval: JMESPath is a query language with no side effects. The context is
`{"inputs": ..., "env": ..., "steps": {step_id: output}, "status": {step_id: "succeeded"|"failed"},
"run": {id, started_by, dry_run}, "result": this step's raw read, "output": this step's output}`.
Extra functions: `now()` and `ago('15m')` (ISO timestamps, UTC), `seconds_since(timestamp)`,
`contains_text(s, part)` and `split_list('a, b')` (a comma-separated text as a list, empty items dropped).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import jmespath
from jmespath import functions
from jmespath.exceptions import JMESPathError

from opsconsole.domain.durations import parse_duration

TEMPLATE = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)


class _Functions(functions.Functions):  # type: ignore[misc]  # jmespath ships no types
    clock: Callable[[], datetime] = staticmethod(lambda: datetime.now(UTC))

    @functions.signature()  # type: ignore[untyped-decorator]
    def _func_now(self) -> str:
        return self.clock().isoformat()

    @functions.signature({"types": ["string", "number"]})  # type: ignore[untyped-decorator]
    def _func_ago(self, span: str | float) -> str:
        return (self.clock() - timedelta(seconds=parse_duration(span))).isoformat()

    @functions.signature({"types": ["string"]})  # type: ignore[untyped-decorator]
    def _func_seconds_since(self, timestamp: str) -> float:
        moment = datetime.fromisoformat(timestamp)
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return (self.clock() - moment).total_seconds()

    @functions.signature({"types": ["string", "null"]})  # type: ignore[untyped-decorator]
    def _func_split_list(self, text: str | None) -> list[str]:
        return [part.strip() for part in (text or "").split(",") if part.strip()]

    @functions.signature({"types": ["string", "null"]}, {"types": ["string"]})  # type: ignore[untyped-decorator]
    def _func_contains_text(self, text: str | None, part: str) -> bool:
        return text is not None and part.lower() in text.lower()


_OPTIONS = jmespath.Options(custom_functions=_Functions())


class ExpressionError(Exception):
    def __init__(self, expression: str, problem: str) -> None:
        super().__init__(f"{problem} in {expression!r}")
        self.expression = expression
        self.problem = problem


def compile_expression(expression: str) -> Any:
    """A parsed JMESPath expression.

    Raises:
        ExpressionError: the text is not JMESPath.
    """
    try:
        return jmespath.compile(expression.strip())
    except JMESPathError as e:
        raise ExpressionError(expression, f"bad JMESPath ({str(e).splitlines()[0]})") from e


def evaluate(expression: str, context: dict[str, Any]) -> Any:
    """The value of `expression` over `context`.

    Raises:
        ExpressionError: not JMESPath, or a function called with the wrong types.
    """
    try:
        return compile_expression(expression).search(context, options=_OPTIONS)
    except JMESPathError as e:
        raise ExpressionError(expression, str(e).splitlines()[0]) from e


def truthy(value: Any) -> bool:
    """JMESPath's truth: false, null, empty strings, lists and objects are false; 0 is true."""
    return value not in (False, None, "", [], {})


def render(value: Any, context: dict[str, Any]) -> Any:
    """`value` with its `{{ expr }}` templates filled in, recursively through lists and mappings.

    A string that is one template keeps the expression's type (a number stays a number).
    """
    if isinstance(value, dict):
        return {k: render(v, context) for k, v in value.items()}
    if isinstance(value, list):
        return [render(v, context) for v in value]
    if not isinstance(value, str) or "{{" not in value:
        return value
    whole = TEMPLATE.fullmatch(value.strip())
    if whole and "{{" not in whole.group(1):
        return evaluate(whole.group(1), context)
    return TEMPLATE.sub(lambda m: _text(evaluate(m.group(1), context)), value)


def templates_in(value: Any) -> list[str]:
    """Every expression inside `{{ }}` in `value`, recursively."""
    if isinstance(value, dict):
        return [e for v in value.values() for e in templates_in(v)]
    if isinstance(value, list):
        return [e for v in value for e in templates_in(v)]
    if isinstance(value, str):
        return [m.group(1) for m in TEMPLATE.finditer(value)]
    return []


def unclosed_templates(value: Any) -> list[str]:
    """Every text in `value` (recursively) with a `{{` or `}}` left over once its templates are
    taken out: a template that was never closed, which would otherwise be sent as it is."""
    if isinstance(value, dict):
        return [t for v in value.values() for t in unclosed_templates(v)]
    if isinstance(value, list):
        return [t for v in value for t in unclosed_templates(v)]
    if isinstance(value, str):
        rest = TEMPLATE.sub("", value)
        return [value] if "{{" in rest or "}}" in rest else []
    return []


def references(expression: str) -> list[tuple[str, str]]:
    """The (root, name) pairs an expression reads: ("inputs", "db"), ("steps", "cpu")."""
    return [(m.group(1), m.group(2)) for m in _REFERENCE.finditer(_strip_literals(expression))]


_REFERENCE = re.compile(r"(?<![\w.])(inputs|steps|status)\.([A-Za-z_]\w*)")


def _strip_literals(expression: str) -> str:
    return re.sub(r"'[^']*'|`[^`]*`", "", expression)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
