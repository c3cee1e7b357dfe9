"""CloudFormation stacks of an environment: what is deployed, plans that own their change sets,
deploys and deletes audited as intent then outcome, and the baseline StackSet.

Front-ends get plain data and a StackReview; no deploy engine or CloudFormation adapter leaves
this module.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from opsconsole import paths
from opsconsole.app.audit import AuditScope
from opsconsole.app.context import AppContext
from opsconsole.app.stack_audit import StackAudit
from opsconsole.app.stack_changes import StackDeletion, delete_stacks, plan_deletion
from opsconsole.app.stack_review import StackReview
from opsconsole.aws.cloudformation import NESTED, CloudFormation
from opsconsole.aws.errors import aws_errors
from opsconsole.domain.action_kinds import ActionKind
from opsconsole.domain.audit import AuditRecord, Outcome
from opsconsole.domain.environment import RoleTier
from opsconsole.domain.errors import BackendError
from opsconsole.domain.identity import RoleSession
from opsconsole.domain.stacks import DeployedStack, EventHook, StackEvent, StackOutcome, StackSpec
from opsconsole.stacks.changesets import PendingChangeSet, discard_change_sets, unaudited
from opsconsole.stacks.engine import DeployEngine
from opsconsole.stacks.manifest import Estate, load_estate
from opsconsole.stacks.packaging import ArtifactBucket
from opsconsole.stacks.stackset import STACK_SET_NAME, BaselineDeployer, BaselineTarget, InstanceResult

Keys = tuple[str, ...] | list[str]
DriftRow = dict[str, Any]
"""One row of a drift report: stack, drift, resource, difference."""


@dataclass(frozen=True)
class Leftover:
    """A change set that never ran: made by a plan or a deploy that ended before using it."""

    stack_name: str
    region: str
    name: str
    arn: str


class Stacks:
    """The environment's stacks as the manifest and parameters describe them."""

    def __init__(self, context: AppContext) -> None:
        self._context = context

    # -- reading --------------------------------------------------------------------------------

    def estate(self, env_name: str, *, lint: bool = True) -> Estate:
        """The environment's stacks, validated offline (no AWS call).

        Raises:
            EstateInvalid: listing every problem.
        """
        env = self._context.environment(env_name)
        root = paths.stacks_root(self._context.settings.stacks_root)
        return load_estate(root, env, lint=lint, lint_cache=paths.state_dir() / "cfn-lint-cache")

    def status(
        self, env_name: str, keys: Keys = (), *, lint: bool = False
    ) -> list[tuple[StackSpec, DeployedStack | None]]:
        """Each selected stack (all when none is named) with what is deployed, read role."""
        return self._engine(env_name, RoleTier.READ, lint=lint, select=keys).status(keys)

    def half_done(self, env_name: str, keys: Keys = ()) -> list[str]:
        """What a deploy that ended midway may have left, one note each (read role): a deploy of
        the environment whose outcome was never written (its process died), and change sets of
        the selected stacks that never ran."""
        notes = [
            _no_outcome(e.record)
            for e in self._context.audit.entries()
            if e.record.action == ActionKind.STACKS_DEPLOY
            and e.record.environment == env_name
            and e.outcome == Outcome.UNKNOWN
        ]
        for left in self.leftovers(env_name, keys):
            notes.append(f"{left.stack_name}: change set {left.name} was never executed")
        return notes

    def leftovers(self, env_name: str, keys: Keys = ()) -> list[Leftover]:
        """The selected stacks' change sets that never ran (read role)."""
        engine = self._engine(env_name, RoleTier.READ, lint=False, select=keys)
        found = []
        for key in engine.estate.select(keys):
            spec = engine.estate.specs[key]
            for name, arn in engine.cfn.unexecuted_change_sets(spec.stack_name, spec.region):
                found.append(Leftover(spec.stack_name, spec.region, name, arn))
        return found

    def discard(self, env_name: str, leftovers: list[Leftover], *, reason: str | None = None) -> list[str]:
        """Delete change sets that never ran, and the empty stack a CREATE one left behind
        (REVIEW_IN_PROGRESS, no other change set), as one audited change (deploy role, the team
        lock where protected); the stacks deleted are in its details.

        Returns:
            The empty stacks deleted.
        """
        environment = self._context.environment(env_name)
        self._context.writable(environment, "stacks discard")
        engine = self._engine(env_name, RoleTier.DEPLOY, reason=reason, lint=False)
        details = {"change_sets": [f"{left.stack_name}/{left.name}" for left in leftovers]}
        scope = self._scope(env_name, RoleTier.DEPLOY)()
        # Which made its stack is not known here: each stack's own status decides.
        pending = [
            PendingChangeSet(left.arn, left.stack_name, left.region, creates=True) for left in leftovers
        ]
        with (
            self._context.guarded(environment, "stacks discard"),
            self._context.audit.change(
                ActionKind.STACKS_DISCARD, scope, reason=reason, details=details
            ) as record,
        ):
            deleted: list[str] = record.details.setdefault("stacks_deleted", [])
            discard_change_sets(engine.cfn, pending, unaudited, strict=True, on_stack_deleted=deleted.append)
        return list(deleted)

    def outputs(self, env_name: str, keys: Keys = ()) -> dict[str, dict[str, str] | None]:
        """Outputs of each selected stack by its key; None for a stack that is not deployed."""
        return {
            spec.key: dict(deployed.outputs) if deployed else None
            for spec, deployed in self.status(env_name, keys)
        }

    def events(self, env_name: str, stack: str, since: datetime | None = None) -> list[StackEvent]:
        """Events of one stack, oldest first, named by its key or its CloudFormation name (read
        role); a stack with nested stacks has theirs merged in, as a deploy shows them."""
        estate = self.estate(env_name, lint=False)
        key = next((s.key for s in estate.specs.values() if stack in (s.key, s.stack_name)), stack)
        engine = self._engine(env_name, RoleTier.READ, lint=False, select=[key])
        spec = engine.estate.specs[key]
        if NESTED in spec.template_body:
            return engine.cfn.events_with_nested(spec.stack_name, spec.region, since=since)
        return engine.cfn.events(spec.stack_name, spec.region, since=since)

    def drift(self, env_name: str, keys: Keys = (), stop: threading.Event | None = None) -> list[DriftRow]:
        """Drift between the deployed resources and their templates: a row per stack, then one per
        drifted resource.

        Raises:
            BackendError: drift detection failed (the demo's emulator has none: the hint says so).
        """
        stop = stop or threading.Event()
        engine = self._engine(env_name, RoleTier.READ, lint=False, select=keys)
        rows: list[DriftRow] = []
        for spec, deployed in engine.status(keys):
            if deployed is None:
                rows.append(_drift_row(spec.stack_name, "NOT DEPLOYED"))
                continue
            try:
                stack_status, drifts = engine.cfn.detect_drift(spec.stack_name, spec.region, stop)
            except BackendError as e:
                if self._context.settings.demo:
                    raise BackendError(
                        str(e.message),
                        hint="the demo's AWS emulator (moto) has no drift detection; "
                        "tests/stacks/test_engine_sequences.py shows it on recorded AWS answers",
                    ) from e
                raise
            rows.append(_drift_row(spec.stack_name, stack_status))
            rows += [_resource_drift(spec.stack_name, item) for item in drifts]
        return rows

    def watch(
        self,
        env_name: str,
        key: str,
        on_events: EventHook,
        stop: threading.Event,
        since: datetime | None = None,
    ) -> StackOutcome:
        """Follow a stack's events until its operation ends; `stop` ends the watching only."""
        engine = self._engine(env_name, RoleTier.READ, lint=False, select=[key])
        since = since or datetime.now(UTC).replace(year=2000)
        return engine.watch(engine.estate.specs[key], since, on_events, stop)

    # -- changing -------------------------------------------------------------------------------

    def plan(
        self,
        env_name: str,
        keys: Keys = (),
        *,
        reason: str | None = None,
        lint: bool = True,
        stop: threading.Event | None = None,
    ) -> StackReview:
        """A change set per selected stack, described for review; nothing is executed.

        The caller owns the returned review: it executes it or closes it (a `with` block does),
        and every change set that did not run is deleted then. A plan that fails part-way
        deletes the change sets it made before raising.

        Raises:
            EstateInvalid: the manifest, parameters or templates have problems (no role assumed).
            OpsError: a change set could not be made.
        """
        stack_audit = StackAudit(self._context.audit, self._scope(env_name, RoleTier.DEPLOY), reason)
        engine = self._engine(
            env_name, RoleTier.DEPLOY, reason=reason, lint=lint, select=keys, audit=stack_audit
        )
        scope = AuditScope.of_session(self._context.broker.session(env_name, RoleTier.DEPLOY, reason))
        try:
            plan = engine.plan(keys, stop)
        except BaseException:
            engine.discard()
            raise
        return StackReview(self._context, engine, plan, scope, reason, stack_audit)

    def plan_delete(self, env_name: str, keys: Keys) -> StackDeletion:
        """Which of the named stacks are deployed, downstream first, checked against what is deployed.

        Raises:
            InvalidInput: a deployed stack that is not named depends on one that would go.
        """
        return plan_deletion(self.estate(env_name, lint=False), self.status(env_name), keys)

    def delete(
        self, deletion: StackDeletion, *, reason: str | None, on_progress: Callable[[str], None] | None = None
    ) -> list[str]:
        """Delete the deployed stacks of `deletion`, each audited as intent then outcome.

        Raises:
            ReadOnlyViolation: the console or the environment is read-only.
            OpsError: a delete was refused (audited as failed; later stacks are not touched).
        """
        env_name = deletion.environment
        self._context.writable(self._context.environment(env_name), "stacks delete")
        session = self._context.broker.session(env_name, RoleTier.DEPLOY, reason)
        cfn = self._cloudformation(env_name, RoleTier.DEPLOY, session)
        return delete_stacks(self._context.audit, cfn, deletion, session, reason, on_progress)

    def deploy_baseline(
        self,
        env_names: list[str],
        *,
        reason: str | None = None,
        on_progress: Callable[[str], None] | None = None,
    ) -> list[InstanceResult]:
        """Deploy the role trio as a StackSet from the identity account into the environments' accounts."""
        context = self._context
        envs = [context.environment(name) for name in env_names]
        root = paths.stacks_root(context.settings.stacks_root)
        template = (root / "templates" / "baseline.yaml").read_text(encoding="utf-8")
        identity = context.broker.caller_identity()
        client = context.broker.identity_client("cloudformation")
        targets = [BaselineTarget(e.name, e.account_id, e.region, e.external_id) for e in envs]
        signer = RoleSession(
            "identity",
            RoleTier.DEPLOY,
            identity.arn,
            context.broker.session_name(),
            identity,
            context.now(),
            context.settings.identity.region,
        )
        scope = AuditScope(None, identity.account, identity.arn, RoleTier.DEPLOY.value)
        details = {"stack_set": STACK_SET_NAME, "environments": env_names}
        with context.audit.change(
            ActionKind.STACKS_BASELINE, scope, reason=reason, details=details
        ) as record:
            with aws_errors(signer, "cloudformation", "deploy the baseline StackSet"):
                results = BaselineDeployer(client, template, identity.account).deploy(
                    targets, on_progress=on_progress
                )
            record.details["instances"] = {r.environment: r.status for r in results}
        return results

    # -- building -------------------------------------------------------------------------------

    def _engine(
        self,
        env_name: str,
        tier: RoleTier,
        *,
        reason: str | None = None,
        lint: bool = True,
        select: Keys = (),
        audit: StackAudit | None = None,
    ) -> DeployEngine:
        """A deploy engine for the environment, validated first (with the stacks `select` names),
        then signed as `tier`: no role is assumed for input that cannot be deployed."""
        estate = self.estate(env_name, lint=lint)
        estate.select(select)
        session = self._context.broker.session(env_name, tier, reason)
        trail, scope = self._context.audit, self._scope(env_name, tier)
        audit = audit or StackAudit(trail, scope, reason)
        cfn = self._cloudformation(env_name, tier, session)

        def discard_audit(details: dict[str, Any]) -> AbstractContextManager[object]:
            # An empty stack deleted with a discarded review is a change of its own: intent, outcome.
            return trail.change(ActionKind.STACKS_DISCARD, scope(), reason=reason, details=details)

        return DeployEngine(
            estate,
            cfn,
            audit=audit,
            clock=self._context.clock,
            artifacts=self._artifacts(env_name, tier, session),
            discard_audit=discard_audit,
        )

    def _artifacts(
        self, env_name: str, tier: RoleTier, session: RoleSession
    ) -> Callable[[str], ArtifactBucket]:
        """The account's artifacts bucket in a region, for templates that need packaging."""
        broker = self._context.broker
        buckets: dict[str, ArtifactBucket] = {}

        def bucket_in(region: str) -> ArtifactBucket:
            if region not in buckets:
                s3 = broker.client(env_name, tier, "s3", region)
                buckets[region] = ArtifactBucket(s3, session.identity.account, region)
            return buckets[region]

        return bucket_in

    def _scope(self, env_name: str, tier: RoleTier) -> Callable[[], AuditScope]:
        """The audit scope of the environment's role session, as it is when a record is written."""
        broker = self._context.broker
        return lambda: AuditScope.of_session(broker.session(env_name, tier))

    def _cloudformation(self, env_name: str, tier: RoleTier, session: RoleSession) -> CloudFormation:
        broker = self._context.broker

        def client_for(region: str) -> Any:
            return broker.client(env_name, tier, "cloudformation", region)

        return CloudFormation(client_for, session)


def _no_outcome(record: AuditRecord) -> str:
    """A deploy intent (of the environment, or of one stack) whose outcome was never written."""
    when = f"{record.at:%Y-%m-%d %H:%M:%S} by {record.actor}"
    if "stack" in record.details:
        return f"{record.details['stack']}: its deploy ({when}) has no outcome: it may be half-done"
    stacks = ", ".join(record.details.get("stacks", {})) or "its stacks"
    return f"the stacks deploy of {when} ({stacks}) has no outcome: it may be half-done"


def _drift_row(stack_name: str, drift: str) -> DriftRow:
    return {"stack": stack_name, "drift": drift, "resource": None, "difference": None}


def _resource_drift(stack_name: str, item: dict[str, Any]) -> DriftRow:
    differences = ", ".join(
        f"{d.get('PropertyPath')} ({d.get('DifferenceType')})" for d in item.get("PropertyDifferences") or []
    )
    return {
        "stack": stack_name,
        "drift": item.get("StackResourceDriftStatus"),
        "resource": item.get("LogicalResourceId"),
        "difference": differences or None,
    }
