"""The deploy engine: plan every stack of an environment with change sets, then execute the plan
in dependency order, independent stacks in parallel, watching events until each stack settles.

No printing and no prompts: callers review the plan, confirm, and render what the callbacks
report. A stop event ends the watching, never the stack operation.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Collection, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any, Protocol

from opsconsole.aws.cloudformation import NESTED, ChangeSetResult, CloudFormation
from opsconsole.domain.action_kinds import ActionKind
from opsconsole.domain.errors import BackendError, OpsError
from opsconsole.domain.identity import RoleSession
from opsconsole.domain.stacks import (
    ApproveHook,
    DeployedStack,
    EnvironmentPlan,
    EventHook,
    OutcomeHook,
    OutputRef,
    PlanAction,
    StackEvent,
    StackOutcome,
    StackPlan,
    StackSpec,
    StackStatus,
)
from opsconsole.stacks.changesets import Audited, ChangeSetLedger, unaudited
from opsconsole.stacks.deferred import absent_upstreams, deferred_plan
from opsconsole.stacks.diff import parameter_diff, template_diff
from opsconsole.stacks.failures import settled_outcome
from opsconsole.stacks.graph import downstream_of
from opsconsole.stacks.manifest import Estate
from opsconsole.stacks.packaging import INLINE_LIMIT, ArtifactBucket, Packaged, needs_packaging, package
from opsconsole.stacks.parameters import inferred, no_echo, resolve_parameters
from opsconsole.stacks.templates import parse_template

AuditHook = Callable[[ActionKind, dict[str, Any]], None]
"""Records an engine event (the plan made, a stack's change set executed) with its details."""


class StackAccess(Protocol):
    """What the engine needs from the role broker."""

    def client(self, env_name: str, tier: Any, service: str, region: str | None = None) -> Any: ...

    def session(self, env_name: str, tier: Any, reason: str | None = None) -> RoleSession: ...


class DeployEngine:
    """Plans and deploys the stacks of one environment with one role session."""

    def __init__(
        self,
        estate: Estate,
        cloudformation: CloudFormation,
        *,
        audit: AuditHook | None = None,
        clock: Callable[[], datetime],
        max_parallel: int = 4,
        artifacts: Callable[[str], ArtifactBucket] | None = None,
        discard_audit: Audited = unaudited,
    ) -> None:
        self.estate = estate
        self.cfn = cloudformation
        self._audit = audit or (lambda action, details: None)
        self._clock = clock
        self._max_parallel = max_parallel
        self.change_sets = ChangeSetLedger()
        self._discard_audit = discard_audit  # wraps the DeleteStack of an empty stack discarded
        self._approve: ApproveHook = lambda stack_plan: True
        self._artifacts = artifacts
        self._packaged: dict[str, Packaged] = {}
        self._absent: set[str] = set()  # upstreams in depends_on, outside the plan, not deployed
        self._packaging_lock = threading.Lock()
        self._review_lock = threading.Lock()  # one deferred review at a time, whatever runs in parallel

    # -- reading ----------------------------------------------------------------------------

    def status(self, keys: list[str] | tuple[str, ...] = ()) -> list[tuple[StackSpec, DeployedStack | None]]:
        selected = self.estate.select(keys)
        specs = [self.estate.specs[key] for key in selected]
        with ThreadPoolExecutor(self._max_parallel) as pool:
            deployed = list(pool.map(lambda s: self.cfn.describe(s.stack_name, s.region), specs))
        return list(zip(specs, deployed, strict=True))

    # -- plan -------------------------------------------------------------------------------

    def plan(
        self, keys: list[str] | tuple[str, ...] = (), stop: threading.Event | None = None
    ) -> EnvironmentPlan:
        """A change set per selected stack, described and classified; nothing is executed.

        Stacks whose upstream is not deployed yet are DEFERRED: their change set is made at
        execution, once the upstream outputs exist.
        """
        stop = stop or threading.Event()
        selected = self.estate.select(keys)
        deployed = dict(zip(selected, (d for _s, d in self.status(selected)), strict=True))
        upstream_outputs = self._upstream_outputs(selected, deployed)
        self._absent = absent_upstreams(self.estate, selected, deployed, self.cfn.describe)
        plans: dict[str, StackPlan] = {}
        for level in self.estate.levels:
            batch = [key for key in level if key in selected]
            with ThreadPoolExecutor(self._max_parallel) as pool:
                results = pool.map(
                    lambda key: self._plan_stack(key, deployed[key], upstream_outputs, plans, stop), batch
                )
                for key, stack_plan in zip(batch, results, strict=True):
                    plans[key] = stack_plan
        plan = EnvironmentPlan(self.estate.environment, tuple(plans[key] for key in selected))
        self._audit(
            ActionKind.STACKS_PLAN,
            {
                "stacks": {
                    p.stack_name: {
                        "action": p.action.value,
                        "change_set": p.change_set_arn,
                        "changes": len(p.changes),
                    }
                    for p in plan.stacks
                }
            },
        )
        return plan

    def _upstream_outputs(
        self,
        keys: Collection[str],
        deployed: Mapping[str, DeployedStack | None] | None = None,
        *,
        skip: Collection[str] = (),
    ) -> dict[str, Mapping[str, str]]:
        """Current outputs of every stack that `keys` take outputs from, but those in `skip` (at
        execution the plan's own stacks report theirs as they finish); read from `deployed` where
        it has the stack, else described."""
        deployed = deployed or {}
        needed = {
            value.stack
            for key in keys
            for value in self.estate.specs[key].parameters.values()
            if isinstance(value, OutputRef) and value.stack not in skip
        }
        outputs: dict[str, Mapping[str, str]] = {}
        for key in needed:
            spec = self.estate.specs[key]
            current = deployed[key] if key in deployed else self.cfn.describe(spec.stack_name, spec.region)
            if current is not None and current.status.exists:
                outputs[key] = current.outputs
        return outputs

    def _plan_stack(
        self,
        key: str,
        deployed: DeployedStack | None,
        outputs: Mapping[str, Mapping[str, str]],
        planned: Mapping[str, StackPlan],
        stop: threading.Event,
    ) -> StackPlan:
        spec = self.estate.specs[key]
        exists = deployed is not None and deployed.status.exists
        deferred = deferred_plan(spec, outputs, planned, exists=exists, undeployed=self._absent)
        if deferred is not None:
            return deferred
        if deployed is not None and deployed.status is StackStatus.IN_PROGRESS:
            raise BackendError(
                f"{spec.stack_name} is {deployed.raw_status}: another operation is running",
                hint=f"wait, or follow it: opsconsole stacks watch {self.estate.environment} {key}",
            )
        parameters = resolve_parameters(spec, outputs)
        result = self._change_set(spec, parameters, exists, stop)
        if result is None:
            return StackPlan(key, spec.stack_name, spec.region, PlanAction.NONE, note="no changes")
        old_template = self.cfn.template_body(spec.stack_name, spec.region) if exists else ""
        params_changed = parameter_diff(deployed.parameters if deployed else {}, parameters, no_echo(spec))
        changes = result.changes
        if exists and not changes and params_changed:
            changes = inferred(spec, {name for name, _old, _new in params_changed})
        return StackPlan(
            key=key,
            stack_name=spec.stack_name,
            region=spec.region,
            action=PlanAction.UPDATE if exists else PlanAction.CREATE,
            changes=changes,
            parameter_diff=params_changed,
            template_diff=template_diff(old_template, self.packaged(spec).body, spec.stack_name),
            change_set_arn=result.arn,
            change_set_name=result.name,
            parameters=parameters,
        )

    def _change_set(
        self, spec: StackSpec, parameters: dict[str, str], exists: bool, stop: threading.Event
    ) -> ChangeSetResult | None:
        """A described change set, recorded as pending; None (and no change set) when nothing changes.

        Raises:
            BackendError: CloudFormation could not make the change set.
        """
        name = f"opsconsole-{self._clock().strftime('%Y%m%d%H%M%S')}-{spec.key}"
        packaged = self.packaged(spec)
        created = self.cfn.create_change_set(
            spec, parameters, update=exists, name=name, body=packaged.body, url=packaged.url
        )
        if created is None:
            return None
        arn, name = created
        self.change_sets.made(arn, spec.stack_name, spec.region, creates=not exists)
        result = self.cfn.wait_change_set(arn, spec.region, stop)
        if result.empty:
            self.cfn.delete_change_set(arn, spec.region)
            self.change_sets.settled(arn)
            return None
        if result.status != "CREATE_COMPLETE":
            raise BackendError(
                f"the change set for {spec.stack_name} failed: {result.reason or result.status}"
            )
        return dataclasses.replace(result, name=name)

    def packaged(self, spec: StackSpec) -> Packaged:
        """The template as sent: local nested templates and an over-limit body uploaded (once
        per engine); inline otherwise.

        Raises:
            BackendError: packaging is needed and no artifacts bucket is at hand, or an upload failed.
        """
        with self._packaging_lock:
            if spec.key not in self._packaged:
                self._packaged[spec.key] = self._package(spec)
            return self._packaged[spec.key]

    def _package(self, spec: StackSpec) -> Packaged:
        text = spec.template_body
        # Decoding a template costs a tenth of a second or more: only one that may need it is read.
        might = len(text.encode("utf-8")) > INLINE_LIMIT or "TemplateURL" in text
        if not might or not needs_packaging(text, parse_template(text).document):
            return Packaged(text)
        if self._artifacts is None:
            raise BackendError(f"{spec.stack_name} needs packaging and no artifacts bucket is configured")
        path = self.estate.root / spec.template_path
        bucket = self._artifacts(spec.region)
        return package(spec.template_body, path.parent, lambda: bucket, path.suffix or ".yaml")

    def discard(self) -> list[str]:
        """Delete every change set this engine made and did not execute, and the empty stack a
        CREATE one made (still REVIEW_IN_PROGRESS, no other change set), audited by `discard_audit`.

        Returns:
            The names of the stacks whose change sets were deleted.
        """
        discarded = self.change_sets.discard(self.cfn, self._discard_audit)
        return [pending.stack_name for pending in discarded.change_sets]

    # -- execute ----------------------------------------------------------------------------

    def execute(
        self,
        plan: EnvironmentPlan,
        *,
        on_events: EventHook | None = None,
        on_outcome: OutcomeHook | None = None,
        stop: threading.Event | None = None,
        approve: ApproveHook | None = None,
    ) -> list[StackOutcome]:
        """Run the plan level by level; after a failure, nothing downstream of it starts.

        `approve` sees each deferred stack's plan once its change set exists, before it runs; a
        stack it declines is not started (its change set is left to `discard`)."""
        self._approve = approve or (lambda stack_plan: True)
        stop = stop or threading.Event()
        on_events = on_events or (lambda stack, events: None)
        on_outcome = on_outcome or (lambda outcome: None)
        by_key = {p.key: p for p in plan.stacks}
        outcomes: dict[str, StackOutcome] = {}
        blocked: dict[str, str] = {}
        outputs = self._upstream_outputs(by_key, skip=by_key)
        for level in self.estate.levels:
            batch = [key for key in level if key in by_key]
            runnable = []
            for key in batch:
                if key in blocked:
                    outcome = StackOutcome(
                        key,
                        by_key[key].stack_name,
                        StackStatus.ABSENT,
                        message=f"not started: upstream {blocked[key]} failed",
                    )
                    outcomes[key] = outcome
                    on_outcome(outcome)
                else:
                    runnable.append(key)
            with ThreadPoolExecutor(self._max_parallel) as pool:
                results = list(
                    pool.map(lambda key: self._execute_stack(by_key[key], outputs, on_events, stop), runnable)
                )
            for outcome in results:
                outcomes[outcome.key] = outcome
                on_outcome(outcome)
                if outcome.succeeded:
                    outputs[outcome.key] = outcome.outputs
                else:
                    for downstream in downstream_of(self.estate.edges, outcome.key):
                        blocked.setdefault(downstream, outcome.key)
            if stop.is_set():
                break
        return [outcomes[key] for key in by_key if key in outcomes]

    def _execute_stack(
        self,
        stack_plan: StackPlan,
        outputs: Mapping[str, Mapping[str, str]],
        on_events: EventHook,
        stop: threading.Event,
    ) -> StackOutcome:
        spec = self.estate.specs[stack_plan.key]
        if stack_plan.action is PlanAction.NONE:
            current = self.cfn.describe(spec.stack_name, spec.region)
            return StackOutcome(
                spec.key,
                spec.stack_name,
                StackStatus.COMPLETE,
                outputs=current.outputs if current else {},
                message="no changes",
            )
        try:
            arn = stack_plan.change_set_arn
            # An upstream deployed in this run may have changed an output this stack takes.
            stale = (
                stack_plan.action is not PlanAction.DEFERRED
                and any(isinstance(v, OutputRef) for v in spec.parameters.values())
                and resolve_parameters(spec, outputs) != dict(stack_plan.parameters)
            )
            if stale and arn:
                self.cfn.delete_change_set(arn, spec.region)
                self.change_sets.settled(arn)
            if stack_plan.action is PlanAction.DEFERRED or stale:
                fresh = self._plan_stack(
                    spec.key, self.cfn.describe(spec.stack_name, spec.region), outputs, {}, stop
                )
                if fresh.action is PlanAction.NONE:
                    return self._execute_stack(fresh, outputs, on_events, stop)
                if fresh.action is PlanAction.DEFERRED:
                    return StackOutcome(
                        spec.key, spec.stack_name, StackStatus.FAILED, message=f"not started: {fresh.note}"
                    )
                if stack_plan.action is PlanAction.DEFERRED and not self._reviewed(fresh):
                    return StackOutcome(
                        spec.key,
                        spec.stack_name,
                        StackStatus.ABSENT,
                        message="not started: declined at review",
                    )
                arn = fresh.change_set_arn
            assert arn is not None
            started = self._clock() - timedelta(seconds=5)
            self._audit(
                ActionKind.STACKS_DEPLOY, {"stack": spec.stack_name, "change_set": arn, "region": spec.region}
            )
            self.cfn.execute_change_set(arn, spec.region)
            self.change_sets.settled(arn)
        except OpsError as e:
            return StackOutcome(spec.key, spec.stack_name, StackStatus.FAILED, message=str(e))
        return self.watch(spec, started, on_events, stop)

    def _reviewed(self, fresh: StackPlan) -> bool:
        """The front-end's answer for a deferred stack's fresh plan; stacks of one level run in
        parallel, their reviews one after another (one prompt, one modal at a time)."""
        with self._review_lock:
            return self._approve(fresh)

    def watch(
        self,
        spec: StackSpec,
        since: datetime,
        on_events: EventHook,
        stop: threading.Event,
    ) -> StackOutcome:
        """Follow a stack's events until it settles; report how it ended and why."""
        seen: list[StackEvent] = []
        nested = NESTED in spec.template_body
        for batch in self.cfn.follow(spec.stack_name, spec.region, since, stop, nested=nested):
            seen += batch
            on_events(spec.key, batch)
        current = self.cfn.describe(spec.stack_name, spec.region)
        return settled_outcome(
            spec,
            current,
            seen,
            lambda child: self.cfn.events(child, spec.region),
            self.estate.environment,
            stop,
        )
