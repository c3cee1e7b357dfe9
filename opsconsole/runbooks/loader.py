"""Reading and validating a runbook file: every problem is collected with its line, none stops the rest."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opsconsole.app.action_params import param_problems
from opsconsole.domain.action_kinds import ActionKind
from opsconsole.domain.durations import parse_duration
from opsconsole.domain.environment import RoleTier
from opsconsole.domain.errors import InvalidInput
from opsconsole.domain.tiers import required_tier
from opsconsole.runbooks import yamlmarks
from opsconsole.runbooks.catalogue import ACTIONS, SOURCES, action_name, iam_action
from opsconsole.runbooks.expressions import ExpressionError, compile_expression
from opsconsole.runbooks.model import (
    END,
    INPUT_TYPES,
    STEP_KINDS,
    InputSpec,
    OnFailure,
    Runbook,
    Source,
    Step,
)
from opsconsole.runbooks.references import check_flow, check_step_references, check_templates
from opsconsole.runbooks.yamlmarks import LList, LMap

_TOP_KEYS = {"title", "description", "environment", "inputs", "steps"}
_INPUT_KEYS = {"type", "description", "default", "required", "choices", "from_selection"}
_COMMON_KEYS = {"id", "kind", "title", "environment", "on_failure", "retries", "retry_delay", "next"}
_KIND_KEYS = {
    "action": {"action", "with"},
    "query": {"aws", "logs", "problems", "output", "assert"},
    "wait": {"aws", "logs", "problems", "output", "until", "timeout", "interval"},
    "approve": {"message", "protected_only"},
    "branch": {"if", "then", "else"},
    "note": {"text"},
}
_STEP_ID = re.compile(r"^[a-z_][a-z0-9_]*$")


@dataclass(frozen=True)
class Problem:
    line: int
    message: str


class RunbookInvalid(InvalidInput):
    """A runbook that cannot run; lists every problem found, each with its line."""

    def __init__(self, path: str, problems: list[Problem]) -> None:
        self.path = path
        self.problems = sorted(problems, key=lambda p: p.line)
        listing = "\n".join(f"  {path}:{p.line}: {p.message}" for p in self.problems)
        count = len(self.problems)
        super().__init__(
            f"{path}: {count} problem{'s' if count != 1 else ''}\n{listing}",
            hint="fix the lines named above; `opsconsole runbook validate` checks a file without running it",
        )


def load_runbook(path: Path) -> Runbook:
    """Read and validate a runbook file.

    Raises:
        RunbookInvalid: every problem, each with its line.
        InvalidInput: the file cannot be read.
    """
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise InvalidInput(f"cannot read runbook {path}: {e.strerror}") from e
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise RunbookInvalid(
            str(path), [Problem(raw.count(b"\n", 0, e.start) + 1, "not a text file (not UTF-8)")]
        ) from e
    return parse_runbook(text, str(path))


def parse_runbook(text: str, path: str) -> Runbook:
    """Validate `text` (a runbook file's content) into a Runbook.

    Raises:
        RunbookInvalid: every problem, each with its line.
    """
    try:
        document = yamlmarks.load(text)
    except yamlmarks.YamlSyntaxError as e:
        raise RunbookInvalid(path, [Problem(e.line, e.message)]) from e
    checker = _Checker()
    runbook = checker.runbook(document, text, path)
    if checker.problems or runbook is None:
        raise RunbookInvalid(path, checker.problems or [Problem(1, "not a runbook")])
    return runbook


class _Checker:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, line: int, message: str) -> None:
        self.problems.append(Problem(line, message))

    def runbook(self, doc: Any, text: str, path: str) -> Runbook | None:
        if not isinstance(doc, LMap):
            self.add(1, "a runbook is a mapping with title, inputs and steps")
            return None
        self._unknown_keys(doc, _TOP_KEYS, "runbook")
        title = doc.get("title")
        if not isinstance(title, str) or not title.strip():
            self.add(doc.line_of("title"), "the runbook needs a title")
        inputs = self._inputs(doc)
        steps = self._steps(doc)
        environment = doc.get("environment")
        if environment is not None and not isinstance(environment, str):
            self.add(doc.line_of("environment"), "environment is a template such as '{{ inputs.env }}'")
            environment = None
        if environment is None:
            first = next((i for i in inputs if i.type == "environment"), None)
            environment = f"{{{{ inputs.{first.name} }}}}" if first else None
        else:
            check_templates(self.add, environment, doc.line_of("environment"), inputs, steps)
        runbook = Runbook(
            name=Path(path).stem,
            title=str(title or ""),
            description=str(doc.get("description") or ""),
            inputs=tuple(inputs),
            steps=tuple(steps),
            source_text=text,
            path=path,
            environment=environment,
        )
        check_flow(self.add, runbook)
        for step in steps:
            check_step_references(self.add, step, inputs, steps)
            if environment is None and step.environment is None and _needs_environment(step):
                self.add(step.line, f"step {step.id} needs an environment: add an input of type environment")
        return runbook

    # -- inputs ----------------------------------------------------------------------------

    def _inputs(self, doc: LMap) -> list[InputSpec]:
        raw = doc.get("inputs", LMap())
        if raw is None:
            return []
        if not isinstance(raw, LMap):
            self.add(doc.line_of("inputs"), "inputs is a mapping of name to {type: ...}")
            return []
        found = []
        for name, spec in raw.items():
            line = raw.line_of(name)
            if not re.match(r"^[a-z_][a-z0-9_]*$", name):
                self.add(line, f"input name {name!r}: use lower-case letters, digits and _")
            if isinstance(spec, str):
                spec = _scalar_map({"type": spec}, line)
            if not isinstance(spec, LMap):
                self.add(line, f"input {name}: expected a mapping with a type")
                continue
            self._unknown_keys(spec, _INPUT_KEYS, f"input {name}")
            kind = spec.get("type")
            if kind not in INPUT_TYPES:
                self.add(
                    spec.line_of("type"),
                    f"input {name}: unknown type {kind!r}; use one of: " + ", ".join(INPUT_TYPES),
                )
                continue
            choices = spec.get("choices") or []
            if kind == "choice" and (not isinstance(choices, list) or not choices):
                self.add(spec.line_of("choices"), f"input {name}: a choice input needs a list of choices")
                choices = []
            default = spec.get("default")
            if default is not None:
                from opsconsole.runbooks.inputs import InputTypeError, coerce

                try:
                    coerce(kind, default, tuple(str(c) for c in choices))
                except InputTypeError as e:
                    self.add(spec.line_of("default"), f"input {name}: default {e}")
            required = spec.get("required", default is None)
            if not isinstance(required, bool):
                self.add(spec.line_of("required"), f"input {name}: required is true or false")
                required = True
            found.append(
                InputSpec(
                    name=name,
                    type=kind,
                    line=line,
                    description=str(spec.get("description") or ""),
                    default=default,
                    required=required,
                    choices=tuple(str(c) for c in choices),
                    from_selection=spec.get("from_selection"),
                )
            )
        return found

    # -- steps -----------------------------------------------------------------------------

    def _steps(self, doc: LMap) -> list[Step]:
        raw = doc.get("steps")
        if not isinstance(raw, LList) or not raw:
            self.add(doc.line_of("steps"), "the runbook needs a list of steps")
            return []
        steps: list[Step] = []
        seen: set[str] = set()
        for item, line in zip(raw, raw.item_lines, strict=True):
            if not isinstance(item, LMap):
                self.add(line, "a step is a mapping with id and kind")
                continue
            step = self._step(item)
            if step is None:
                continue
            if step.id in seen:
                self.add(step.line, f"step id {step.id!r} is used twice")
            seen.add(step.id)
            steps.append(step)
        return steps

    def _step(self, raw: LMap) -> Step | None:
        step_id = raw.get("id")
        if not isinstance(step_id, str) or not _STEP_ID.match(step_id) or step_id == END:
            self.add(
                raw.line_of("id"), f"step id {step_id!r}: use lower-case letters, digits and _ (not {END!r})"
            )
            step_id = f"line{raw.line}"
        kind = raw.get("kind")
        if kind not in STEP_KINDS:
            self.add(
                raw.line_of("kind"),
                f"step {step_id}: unknown step kind {kind!r}; use one of: " + ", ".join(STEP_KINDS),
            )
            return None
        self._unknown_keys(raw, _COMMON_KEYS | _KIND_KEYS[kind], f"step {step_id}")
        values: dict[str, Any] = {"id": step_id, "kind": kind, "line": raw.line}
        values["title"] = str(raw.get("title") or "")
        if "environment" in raw:
            values["environment"] = str(raw["environment"])
        values["on_failure"] = self._on_failure(raw, step_id)
        values["retries"] = self._int(raw, "retries", 0, step_id)
        values["retry_delay"] = self._duration(raw, "retry_delay", 5.0, step_id)
        if "next" in raw:
            values["next"] = str(raw["next"])
        if kind == "action":
            values.update(self._action(raw, step_id))
        elif kind in ("query", "wait"):
            values.update(self._source(raw, step_id))
            check_key = "assert" if kind == "query" else "until"
            values["output"] = self._expression(raw, "output", step_id)
            values["check"] = self._expression(raw, check_key, step_id)
            if kind == "wait":
                if values["check"] is None:
                    self.add(raw.line, f"step {step_id}: a wait step needs an until condition")
                values["timeout"] = self._duration(raw, "timeout", 300.0, step_id, minimum=1.0)
                values["interval"] = self._duration(raw, "interval", 10.0, step_id, minimum=0.1)
        elif kind == "approve":
            values["text"] = str(raw.get("message") or "")
            values["protected_only"] = raw.get("protected_only") is True
        elif kind == "note":
            values["text"] = str(raw.get("text") or "")
            if not values["text"]:
                self.add(raw.line, f"step {step_id}: a note needs text")
        elif kind == "branch":
            values["condition"] = self._expression(raw, "if", step_id)
            if values["condition"] is None:
                self.add(raw.line, f"step {step_id}: a branch needs an if expression")
            if "then" not in raw:
                self.add(raw.line, f"step {step_id}: a branch needs a then step")
            values["then"] = str(raw.get("then")) if "then" in raw else None
            values["otherwise"] = str(raw["else"]) if "else" in raw else None
        return Step(**values)

    def _action(self, raw: LMap, step_id: str) -> dict[str, Any]:
        name = raw.get("action")
        params = raw.get("with") or LMap()
        if not isinstance(params, LMap):
            self.add(raw.line_of("with"), f"step {step_id}: with is a mapping of parameters")
            params = LMap()
        known = action_name(name)
        if known is None:
            self.add(
                raw.line_of("action"),
                f"step {step_id}: unknown action {name!r}; use one of: " + ", ".join(ACTIONS),
            )
        else:
            spec = ACTIONS[known]
            self._params(params, spec.required, spec.names, f"step {step_id}: action {name}", raw.line)
            kind = ActionKind.parse(known)
            for problem in param_problems(kind, {k: v for k, v in params.items() if k in spec.names}):
                self.add(raw.line_of("with"), f"step {step_id}: {problem}")
        return {"action": known or str(name), "params": _plain(params)}

    def _source(self, raw: LMap, step_id: str) -> dict[str, Any]:
        given = [key for key in SOURCES if key in raw]
        if len(given) != 1:
            self.add(raw.line, f"step {step_id}: name exactly one of {', '.join(SOURCES)} to read from")
            return {}
        kind = given[0]
        spec = raw[kind]
        if not isinstance(spec, LMap):
            self.add(raw.line_of(kind), f"step {step_id}: {kind} is a mapping")
            return {}
        allowed = SOURCES[kind]
        self._params(spec, allowed.required, allowed.names, f"step {step_id}: {kind}", raw.line_of(kind))
        if kind == "aws" and isinstance(spec.get("service"), str) and isinstance(spec.get("operation"), str):
            action = iam_action(spec["service"], spec["operation"])
            if required_tier(action) is not RoleTier.READ:
                self.add(
                    spec.line_of("operation"),
                    f"step {step_id}: {action} is not a read call; queries "
                    "run at the read tier (use an action step to change something)",
                )
        if kind == "logs" and "window" in spec:
            self._duration(spec, "window", 900.0, step_id, minimum=1.0)
        return {"source": Source(kind, _plain(spec))}

    def _params(
        self, given: LMap, required: tuple[str, ...], known: tuple[str, ...], what: str, line: int
    ) -> None:
        for key in given:
            if key not in known:
                self.add(given.line_of(key), f"{what}: unknown parameter {key!r}; known: {', '.join(known)}")
        for key in required:
            if key not in given:
                self.add(line, f"{what}: missing parameter {key!r}")

    def _on_failure(self, raw: LMap, step_id: str) -> OnFailure:
        value = raw.get("on_failure", "abort")
        if value in ("abort", "continue"):
            return OnFailure(value)
        if isinstance(value, LMap) and set(value) == {"goto"}:
            return OnFailure("goto", str(value["goto"]))
        self.add(
            raw.line_of("on_failure"), f"step {step_id}: on_failure is abort, continue or {{goto: step}}"
        )
        return OnFailure()

    def _int(self, raw: LMap, key: str, default: int, step_id: str) -> int:
        value = raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.add(raw.line_of(key), f"step {step_id}: {key} is a whole number >= 0")
            return default
        return value

    def _duration(self, raw: LMap, key: str, default: float, step_id: str, minimum: float = 0.0) -> float:
        if key not in raw:
            return default
        try:
            seconds = parse_duration(raw[key])
        except ValueError as e:
            self.add(raw.line_of(key), f"step {step_id}: {key}: {e}")
            return default
        if seconds < minimum:
            self.add(
                raw.line_of(key), f"step {step_id}: {key}: {raw[key]!r} is too short: at least {minimum:g}s"
            )
            return default
        return seconds

    def _expression(self, raw: LMap, key: str, step_id: str) -> str | None:
        value = raw.get(key)
        if value is None:
            return None
        text = str(value)
        try:
            compile_expression(text)
        except ExpressionError as e:
            self.add(raw.line_of(key), f"step {step_id}: {key}: {e}")
        return text

    def _unknown_keys(self, raw: LMap, known: set[str], what: str) -> None:
        for key in raw:
            if key not in known:
                self.add(raw.line_of(key), f"{what}: unknown key {key!r}; known: {', '.join(sorted(known))}")


def _needs_environment(step: Step) -> bool:
    return step.kind in ("action", "query", "wait")


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _scalar_map(values: dict[str, Any], line: int) -> LMap:
    result = LMap(values)
    result.line = line
    result.key_lines = dict.fromkeys(values, line)
    return result
