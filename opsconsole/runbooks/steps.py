"""Running one step of each read kind (query, wait) and an action step: any registered action is
planned by the application's registry and sent by its change runner; stacks keep their own flow."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from opsconsole.app.action_params import check_params
from opsconsole.app.actions import plan_action
from opsconsole.app.console import Console
from opsconsole.domain.action_kinds import ActionKind
from opsconsole.domain.durations import parse_duration
from opsconsole.domain.errors import AccessDenied, InvalidInput, OpsError
from opsconsole.domain.problems import ProblemFilter, Severity
from opsconsole.domain.stacks import StackPlan
from opsconsole.runbooks.expressions import ExpressionError, evaluate, render, truthy
from opsconsole.runbooks.model import Source, Step


class StepFailed(Exception):
    """The step ran and did not succeed; its on_failure decides what happens next."""

    def __init__(self, message: str, output: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.output = output


@dataclass
class StepRun:
    """What one step execution needs: the console, its environment, the context and the run's mode."""

    console: Console
    environment: str | None
    context: dict[str, Any]
    dry_run: bool
    reason: str
    emit: Callable[[str, str, dict[str, Any]], None]
    stop: threading.Event
    mark_sending: Callable[[], None]

    def env(self) -> str:
        if not self.environment:
            raise InvalidInput("this step needs an environment and the runbook names none")
        return self.environment


# -- reads ------------------------------------------------------------------------------------


def read_source(run: StepRun, source: Source) -> Any:
    """The raw result of a query or wait step's source, JSON-shaped (timestamps as ISO text)."""
    spec = render(source.spec, run.context)
    env = run.env()
    if source.kind == "aws":
        result = run.console.fleet.aws_read(
            env, spec["service"], spec["operation"], dict(spec.get("params") or {}), spec.get("region")
        )
        result.pop("ResponseMetadata", None)
        return _jsonable(result)
    if source.kind == "logs":
        window = timedelta(seconds=parse_duration(spec.get("window", "15m")))
        return run.console.logs.count(env, str(spec["query"]), window)
    groups = run.context.get("env", {}).get("zabbix_host_groups", [])
    flt = ProblemFilter(
        host_groups=tuple(groups),
        tags=tuple((str(k), str(v)) for k, v in (spec.get("tags") or {}).items()),
        min_severity=Severity.parse(str(spec.get("min_severity", "not-classified"))),
        unacknowledged_only=bool(spec.get("unacknowledged", False)),
        text=spec.get("text"),
    )
    return [p.to_json_dict() for p in run.console.alerts.problems(env, flt)]


def query(run: StepRun, step: Step) -> Any:
    """Read, project with `output`, and check `assert`; StepFailed when the check is false."""
    assert step.source is not None
    output, holds = _observe(run, step)
    if step.check is not None and not holds:
        raise StepFailed(f"assert {step.check!r} is false (output: {_short(output)})", output)
    return output


def wait(run: StepRun, step: Step, sleep: Callable[[float], bool]) -> Any:
    """Poll until `until` holds, every `interval`, for at most `timeout` (counted from this start)."""
    deadline = time.monotonic() + step.timeout
    polls = 0
    while True:
        polls += 1
        try:
            output, holds = _observe(run, step)
        except AccessDenied:
            raise
        except OpsError as e:
            output, holds = {"error": e.message}, False
        if holds:
            return output
        if run.dry_run:
            run.emit(
                "waiting",
                f"would wait up to {step.timeout:g}s until {step.check} (now: {_short(output)})",
                {"output": output},
            )
            return output
        left = deadline - time.monotonic()
        if left <= 0:
            raise StepFailed(
                f"timed out after {step.timeout:g}s waiting until {step.check} (last: {_short(output)})",
                output,
            )
        run.emit("waiting", f"poll {polls}: not yet ({_short(output)})", {"output": output, "poll": polls})
        if sleep(min(step.interval, left)):
            raise StepFailed("stopped while waiting", output)


def _observe(run: StepRun, step: Step) -> tuple[Any, bool]:
    assert step.source is not None
    result = read_source(run, step.source)
    scope = {**run.context, "result": result}
    try:
        output = evaluate(step.output, scope) if step.output else result
        holds = truthy(evaluate(step.check, {**scope, "output": output})) if step.check else True
    except ExpressionError as e:
        raise StepFailed(str(e)) from e
    return output, holds


# -- actions ----------------------------------------------------------------------------------


def act(run: StepRun, step: Step) -> Any:
    """Plan the action's calls (reads), then send them (or only show them in a dry run)."""
    assert step.action is not None
    params = render(step.params, run.context)
    env = run.env()
    kind = ActionKind.parse(step.action)
    if kind.family == "stacks":
        return _stacks_action(run, env, kind.verb, params)
    check_params(kind, params)
    try:
        planned = plan_action(run.console, kind, env, params)
    except (KeyError, TypeError, ValueError) as e:  # a template rendered to a value of the wrong shape
        raise StepFailed(f"{kind}: its parameters do not fit ({type(e).__name__}: {e})") from e
    result = run.console.changes.execute(
        planned, reason=run.reason, dry_run=run.dry_run, on_sending=run.mark_sending
    )
    for call in result.calls:
        run.emit(
            "call",
            ("would call: " if result.dry_run else "called: ") + call.describe(),
            {
                "service": call.service,
                "operation": call.operation,
                "params": call.params,
                "dry_run": result.dry_run,
            },
        )
    return result.to_json_dict()


def _stacks_action(run: StepRun, env: str, verb: str, params: dict[str, Any]) -> Any:
    stacks = params.get("stacks") or []
    names = [stacks] if isinstance(stacks, str) else [str(s) for s in stacks]
    if run.dry_run:
        # A plan creates change sets: even that is a call a dry run must not make. Read what is deployed.
        what = "plan" if verb == "plan" else "plan and deploy"
        status = run.console.stacks.status(env, names, lint=True)
        deployed = [
            {"stack": spec.stack_name, "status": d.raw_status if d else "absent"} for spec, d in status
        ]
        run.emit("call", f"would {what} stacks {', '.join(names) or '(all)'} in {env}", {"stacks": deployed})
        return {"dry_run": True, "stacks": deployed, "changes": None}
    review = run.console.stacks.plan(env, names, reason=run.reason, stop=run.stop)
    try:  # every change set that does not run is deleted, however the step ends
        summary: dict[str, Any] = {
            "changes": sum(len(s.changes) for s in review.plan.stacks if s.has_changes),
            "stacks": [
                {"stack": s.stack_name, "action": str(s.action.value), "changes": len(s.changes)}
                for s in review.plan.stacks
            ],
        }
        if verb == "plan":
            return summary
        run.mark_sending()
        outcomes = review.execute(stop=run.stop, approve_deferred=lambda plan: _deferred_shown(run, plan))
    finally:
        review.close()
    summary["outcomes"] = [
        {"stack": o.stack_name, "status": str(o.status.value), "message": o.message} for o in outcomes
    ]
    failed = [o for o in outcomes if not o.succeeded]
    if failed:
        raise StepFailed(f"deploy failed: {failed[0].stack_name}: {failed[0].message}", summary)
    return summary


def _deferred_shown(run: StepRun, plan: StackPlan) -> bool:
    """A stack deferred at planning, shown in the run's record once its change set exists; the
    run's approval (before this step) covers it, as `--confirm` does for the CLI."""
    changes = [f"{c.action.value} {c.logical_id} ({c.resource_type})" for c in plan.changes]
    run.emit(
        "deferred",
        f"{plan.stack_name} was deferred; now {plan.action.value}: {len(changes)} changes",
        {"stack": plan.stack_name, "action": plan.action.value, "changes": changes},
    )
    return True


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=_default))


def _default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _short(value: Any, limit: int = 160) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"
