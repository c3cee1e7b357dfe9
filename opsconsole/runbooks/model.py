"""A runbook as data: inputs, steps and where each came from in its file."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

INPUT_TYPES = ("string", "int", "bool", "choice", "environment", "ecs_service", "rds_instance", "problem")
STEP_KINDS = ("action", "query", "wait", "approve", "branch", "note")
END = "end"
"""A jump target that ends the run successfully."""


@dataclass(frozen=True)
class InputSpec:
    name: str
    type: str
    line: int
    description: str = ""
    default: Any = None
    required: bool = True
    choices: tuple[str, ...] = ()
    from_selection: str | None = None
    """The key of the caller's selection (TUI focus) this input defaults from."""


@dataclass(frozen=True)
class Source:
    """What a query or wait step reads: one AWS read call, a Graylog count or Zabbix problems."""

    kind: str  # "aws" | "logs" | "problems"
    spec: dict[str, Any]


@dataclass(frozen=True)
class OnFailure:
    mode: str = "abort"  # "abort" | "continue" | "goto"
    target: str | None = None


@dataclass(frozen=True)
class Step:
    id: str
    kind: str
    line: int
    title: str = ""
    # action
    action: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    # query / wait
    source: Source | None = None
    output: str | None = None
    check: str | None = None
    """The assert (query) or until (wait) expression."""
    timeout: float = 300.0
    interval: float = 10.0
    # approve / note
    text: str = ""
    protected_only: bool = False
    """An approve step that asks only when the environment is protected."""
    # branch
    condition: str | None = None
    then: str | None = None
    otherwise: str | None = None
    # every kind
    environment: str | None = None
    on_failure: OnFailure = OnFailure()
    retries: int = 0
    retry_delay: float = 5.0
    next: str | None = None

    @property
    def label(self) -> str:
        return self.title or self.id


@dataclass(frozen=True)
class Runbook:
    name: str
    title: str
    description: str
    inputs: tuple[InputSpec, ...]
    steps: tuple[Step, ...]
    source_text: str
    path: str
    environment: str | None = None
    """Template naming the environment steps act in; the first environment input by default."""

    def step(self, step_id: str) -> Step:
        return next(s for s in self.steps if s.id == step_id)

    def index(self, step_id: str) -> int:
        return next(i for i, s in enumerate(self.steps) if s.id == step_id)

    def input(self, name: str) -> InputSpec | None:
        return next((i for i in self.inputs if i.name == name), None)
