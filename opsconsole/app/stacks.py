"""CloudFormation stacks of an environment: the estate, deploy engines, and the baseline StackSet.

The plan -> confirm -> execute flow of a deploy is built on `engine` (see issue 12: one flow for
the TUI, the CLI and runbooks).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from opsconsole import paths
from opsconsole.app.audit import AuditScope
from opsconsole.app.context import AppContext
from opsconsole.aws.cloudformation import CloudFormation
from opsconsole.aws.errors import aws_errors
from opsconsole.domain.action_kinds import ActionKind
from opsconsole.domain.environment import RoleTier
from opsconsole.domain.identity import RoleSession
from opsconsole.domain.stacks import StackEvent
from opsconsole.stacks.engine import DeployEngine
from opsconsole.stacks.manifest import Estate, load_estate
from opsconsole.stacks.stackset import STACK_SET_NAME, BaselineDeployer, BaselineTarget, InstanceResult


class Stacks:
    """The environment's stacks as the manifest and parameters describe them."""

    def __init__(self, context: AppContext) -> None:
        self._context = context

    def estate(self, env_name: str, *, lint: bool = True) -> Estate:
        """The environment's stacks, validated offline (no AWS call).

        Raises:
            EstateInvalid: listing every problem.
        """
        env = self._context.environment(env_name)
        root = paths.stacks_root(self._context.settings.stacks_root)
        return load_estate(root, env, lint=lint, lint_cache=paths.state_dir() / "cfn-lint-cache")

    def engine(
        self,
        env_name: str,
        tier: RoleTier = RoleTier.DEPLOY,
        *,
        reason: str | None = None,
        lint: bool = True,
        select: tuple[str, ...] | list[str] = (),
    ) -> DeployEngine:
        """A deploy engine for the environment, validated first (with the stacks `select` names),
        then signed as `tier`: no role is assumed for input that cannot be deployed."""
        estate = self.estate(env_name, lint=lint)
        estate.select(select)
        broker = self._context.broker
        session = broker.session(env_name, tier, reason)

        def client_for(region: str) -> Any:
            return broker.client(env_name, tier, "cloudformation", region)

        def audit(action: str, details: dict[str, Any]) -> None:
            scope = AuditScope.of_session(broker.session(env_name, tier))
            self._context.audit.event(action, scope, reason=reason, details=details)

        return DeployEngine(
            estate, CloudFormation(client_for, session), audit=audit, clock=self._context.clock
        )

    def events(self, env_name: str, stack_name: str, since: datetime) -> list[StackEvent]:
        """Events of one of the environment's stacks (by its CloudFormation name), read role."""
        key = stack_name.removeprefix(f"{env_name}-")
        engine = self.engine(env_name, RoleTier.READ, lint=False, select=[key])
        spec = engine.estate.specs.get(key)
        if spec is None:
            return []
        return engine.cfn.events(spec.stack_name, spec.region, since=since)

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
