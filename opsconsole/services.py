"""Services: the one facade the TUI and the CLI both use, built from settings."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from opsconsole import paths
from opsconsole.audit import AuditJournal
from opsconsole.aws.identity import Clock, MfaPrompt
from opsconsole.aws.session import RoleBroker, utc_now
from opsconsole.config import Settings
from opsconsole.domain.actions import ActionResult, PlannedCall
from opsconsole.domain.audit import AuditRecord
from opsconsole.domain.ecs import Cluster, EcsService, Task
from opsconsole.domain.environment import Environment, RoleTier
from opsconsole.domain.errors import BackendError, OpsError
from opsconsole.domain.identity import CallerIdentity, RoleSession, TemporaryCredentials
from opsconsole.domain.rds import DbInstance
from opsconsole.domain.stacks import DeployedStack, EnvironmentPlan, StackEvent, StackOutcome, StackSpec

if TYPE_CHECKING:
    from opsconsole.aws.ecs import EcsReader
    from opsconsole.aws.metrics import MetricQuery
    from opsconsole.aws.rds import RdsReader
    from opsconsole.graylog.audit_gelf import GelfAuditForwarder
    from opsconsole.stacks.engine import DeployEngine
    from opsconsole.stacks.manifest import Estate
    from opsconsole.stacks.stackset import InstanceResult


T = TypeVar("T")


class ConsoleServices(Protocol):
    """What the TUI needs from the services; tests hand in the real thing or a fake."""

    settings: Settings

    def caller_identity(self) -> CallerIdentity: ...

    def session(self, env_name: str, tier: RoleTier, reason: str | None = None) -> RoleSession: ...

    def now(self) -> datetime: ...

    def deploy_engine(
        self,
        env_name: str,
        tier: RoleTier = RoleTier.DEPLOY,
        *,
        reason: str | None = None,
        lint: bool = True,
        select: tuple[str, ...] | list[str] = (),
    ) -> StackEngine: ...

    def ecs(self, env_name: str) -> EcsReads: ...

    def rds(self, env_name: str) -> RdsReads: ...

    def db_metrics(
        self, env_name: str, identifiers: list[str], span: timedelta
    ) -> dict[str, dict[str, list[float]]]: ...

    def service_metrics(
        self, env_name: str, cluster: str, names: list[str], span: timedelta
    ) -> dict[str, dict[str, list[float]]]: ...

    def run_action(
        self,
        env_name: str,
        action: str,
        target: str,
        calls: list[PlannedCall],
        *,
        dry_run: bool,
        reason: str | None,
        tier: RoleTier = RoleTier.OPERATE,
    ) -> ActionResult: ...


class EcsReads(Protocol):
    def clusters(self) -> list[Cluster]: ...

    def service_names(self, cluster: str) -> list[str]: ...

    def services(self, cluster: str, names: list[str] | None = None) -> list[EcsService]: ...

    def service(self, cluster: str, name: str) -> EcsService: ...

    def tasks(self, cluster: str, service: str | None = None, *, stopped: bool = False) -> list[Task]: ...

    def previous_revision(self, service: EcsService) -> int: ...


class RdsReads(Protocol):
    def instances(self) -> list[DbInstance]: ...

    def instance(self, identifier: str) -> DbInstance: ...


class StackEngine(Protocol):
    """The deploy engine as the TUI drives it."""

    def status(
        self, keys: list[str] | tuple[str, ...] = ()
    ) -> list[tuple[StackSpec, DeployedStack | None]]: ...

    def plan(
        self, keys: list[str] | tuple[str, ...] = (), stop: threading.Event | None = None
    ) -> EnvironmentPlan: ...

    def discard(self, plan: EnvironmentPlan) -> None: ...

    def execute(
        self,
        plan: EnvironmentPlan,
        *,
        on_events: Callable[[str, list[StackEvent]], None] | None = None,
        on_outcome: Callable[[StackOutcome], None] | None = None,
        stop: threading.Event | None = None,
    ) -> list[StackOutcome]: ...


class Services:
    """Role sessions, identity and the audit journal behind one object."""

    def __init__(
        self,
        settings: Settings,
        broker: RoleBroker,
        journal: AuditJournal,
        clock: Clock,
        gelf: GelfAuditForwarder | None = None,
    ) -> None:
        self.settings = settings
        self.broker = broker
        self.journal = journal
        self.gelf = gelf
        self._clock = clock

    @classmethod
    def build(
        cls, settings: Settings, *, mfa_prompt: MfaPrompt | None = None, clock: Clock = utc_now
    ) -> Services:
        journal = AuditJournal(journal_path(settings))
        services: Services

        def record_elevation(session: RoleSession, reason: str | None) -> None:
            services.record("elevate", session=session, reason=reason)

        broker = RoleBroker(settings, mfa_prompt=mfa_prompt, on_elevation=record_elevation, clock=clock)
        gelf = None
        if settings.audit.gelf:
            from opsconsole.graylog.audit_gelf import GelfAuditForwarder

            gelf = GelfAuditForwarder(settings.audit.gelf)
        services = cls(settings, broker, journal, clock, gelf)
        return services

    def close(self) -> None:
        """Let queued audit records leave for Graylog (briefly; the journal already has them)."""
        if self.gelf is not None:
            self.gelf.close()

    def now(self) -> datetime:
        return self._clock()

    def environments(self) -> list[Environment]:
        return list(self.settings.environments.values())

    def caller_identity(self) -> CallerIdentity:
        return self.broker.caller_identity()

    @property
    def operator(self) -> str:
        """The signed-in operator's name, as the audit trail shows it."""
        return self.broker.operator

    def session(self, env_name: str, tier: RoleTier, reason: str | None = None) -> RoleSession:
        return self.broker.session(env_name, tier, reason)

    def export_credentials(self, env_name: str, tier: RoleTier, reason: str | None) -> TemporaryCredentials:
        """Credentials for a shell; the export itself is an audit record."""
        credentials = self.broker.credentials(env_name, tier, reason)
        self.record("export-credentials", session=self.broker.session(env_name, tier), reason=reason)
        return credentials

    def record(
        self,
        action: str,
        *,
        session: RoleSession | None = None,
        reason: str | None = None,
        outcome: str = "ok",
        details: dict[str, object] | None = None,
    ) -> AuditRecord:
        record = AuditRecord(
            at=self._clock(),
            actor=self.broker.operator,
            action=action,
            environment=session.environment if session else None,
            account=session.identity.account if session else None,
            role_arn=session.role_arn if session else None,
            tier=session.tier.value if session else None,
            reason=reason,
            outcome=outcome,
            details=dict(details or {}),
        )
        self.journal.append(record)  # durable first: Graylog may be down
        if self.gelf is not None:
            self.gelf.send(record)
        return record

    def estate(self, env_name: str, *, lint: bool = True) -> Estate:
        """The environment's stacks, validated offline (no AWS call).

        Raises:
            EstateInvalid: listing every problem.
        """
        from opsconsole.stacks.manifest import load_estate

        env = self.settings.environment(env_name)
        root = paths.stacks_root(self.settings.stacks_root)
        return load_estate(root, env, lint=lint, lint_cache=paths.state_dir() / "cfn-lint-cache")

    def deploy_engine(
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
        from opsconsole.aws.cloudformation import CloudFormation
        from opsconsole.stacks.engine import DeployEngine

        estate = self.estate(env_name, lint=lint)
        estate.select(select)
        session = self.broker.session(env_name, tier, reason)

        def client_for(region: str) -> Any:
            return self.broker.client(env_name, tier, "cloudformation", region)

        def audit(action: str, details: dict[str, Any]) -> None:
            self.record(action, session=self.broker.session(env_name, tier), reason=reason, details=details)

        return DeployEngine(estate, CloudFormation(client_for, session), audit=audit, clock=self._clock)

    def deploy_baseline(
        self,
        env_names: list[str],
        *,
        reason: str | None = None,
        on_progress: Callable[[str], None] | None = None,
    ) -> list[InstanceResult]:
        """Deploy the role trio as a StackSet from the identity account into the environments' accounts."""
        from opsconsole.aws.errors import aws_errors
        from opsconsole.stacks.stackset import STACK_SET_NAME, BaselineDeployer, BaselineTarget

        envs = [self.settings.environment(name) for name in env_names]
        root = paths.stacks_root(self.settings.stacks_root)
        template = (root / "templates" / "baseline.yaml").read_text(encoding="utf-8")
        identity = self.caller_identity()
        client = self.broker.identity_client("cloudformation")
        targets = [BaselineTarget(e.name, e.account_id, e.region, e.external_id) for e in envs]
        signer = RoleSession(
            "identity",
            RoleTier.DEPLOY,
            identity.arn,
            self.broker.session_name(),
            identity,
            self._clock(),
            self.settings.identity.region,
        )
        with aws_errors(signer, "cloudformation", "deploy the baseline StackSet"):
            results = BaselineDeployer(client, template, identity.account).deploy(
                targets, on_progress=on_progress
            )
        self.record(
            "stacks-baseline",
            reason=reason,
            details={"stack_set": STACK_SET_NAME, "instances": {r.environment: r.status for r in results}},
        )
        return results

    # -- ECS and RDS ------------------------------------------------------------------------

    def ecs(self, env_name: str) -> EcsReader:
        from opsconsole.aws.ecs import EcsReader

        self.settings.environment(env_name)
        return EcsReader(env_name, lambda: self.broker.client(env_name, RoleTier.READ, "ecs"))

    def rds(self, env_name: str) -> RdsReader:
        from opsconsole.aws.rds import RdsReader

        self.settings.environment(env_name)
        return RdsReader(env_name, lambda: self.broker.client(env_name, RoleTier.READ, "rds"))

    def db_metrics(
        self, env_name: str, identifiers: list[str], span: timedelta
    ) -> dict[str, dict[str, list[float]]]:
        """CPU, connections and free storage per DB instance, one batched CloudWatch call."""
        from opsconsole.aws.metrics import MetricQuery

        return self._metrics(
            env_name,
            [
                MetricQuery(f"{db}|{metric}", "AWS/RDS", metric, (("DBInstanceIdentifier", db),))
                for db in identifiers
                for metric in ("CPUUtilization", "DatabaseConnections", "FreeStorageSpace")
            ],
            identifiers,
            span,
        )

    def service_metrics(
        self, env_name: str, cluster: str, names: list[str], span: timedelta
    ) -> dict[str, dict[str, list[float]]]:
        """CPU and memory per ECS service, one batched CloudWatch call."""
        from opsconsole.aws.metrics import MetricQuery

        dimensions = (("ClusterName", cluster),)
        return self._metrics(
            env_name,
            [
                MetricQuery(f"{name}|{metric}", "AWS/ECS", metric, (*dimensions, ("ServiceName", name)))
                for name in names
                for metric in ("CPUUtilization", "MemoryUtilization")
            ],
            names,
            span,
        )

    def _metrics(
        self, env_name: str, queries: list[MetricQuery], subjects: list[str], span: timedelta
    ) -> dict[str, dict[str, list[float]]]:
        """Series keyed `subject|metric`, regrouped as {subject: {metric: values}}."""
        from opsconsole.aws.metrics import fetch

        region = self.settings.environment(env_name).region
        series = fetch(
            lambda: self.broker.client(env_name, RoleTier.READ, "cloudwatch", region),
            queries,
            self._clock(),
            span,
        )
        result: dict[str, dict[str, list[float]]] = {subject: {} for subject in subjects}
        for key, values in series.items():
            subject, metric = key.split("|", 1)
            result[subject][metric] = values
        return result

    def fan_out(self, env_names: list[str], read: Callable[[str], T]) -> list[tuple[str, T | OpsError]]:
        """`read` for each environment in parallel (bounded); a failure stays with its environment."""
        from concurrent.futures import ThreadPoolExecutor

        from opsconsole.aws.errors import translate_unexpected

        def one(env: str) -> T | OpsError:
            try:
                with translate_unexpected(env):
                    return read(env)
            except OpsError as e:
                return e

        with ThreadPoolExecutor(min(8, max(1, len(env_names)))) as pool:
            return list(zip(env_names, pool.map(one, env_names), strict=True))

    def aws_read(
        self, env_name: str, service: str, operation: str, params: dict[str, Any], region: str | None = None
    ) -> dict[str, Any]:
        """One AWS call signed with the read role (runbook queries): a mutating call is denied by IAM.

        Raises:
            AccessDenied: the read tier may not make the call.
            BackendError: the call failed, or names no operation of the service.
        """
        from opsconsole.aws.errors import aws_errors

        session = self.broker.session(env_name, RoleTier.READ)
        with aws_errors(session, service, f"{service}.{operation}"):
            client = self.broker.client(env_name, RoleTier.READ, service, region)
            method = getattr(client, operation, None)
            if method is None:
                raise BackendError(f"{service} has no operation {operation!r}")
            answer: dict[str, Any] = method(**params)
            return answer

    def run_action(
        self,
        env_name: str,
        action: str,
        target: str,
        calls: list[PlannedCall],
        *,
        dry_run: bool,
        reason: str | None,
        tier: RoleTier = RoleTier.OPERATE,
    ) -> ActionResult:
        """Send an action's calls signed as `tier` (operate by default), or only show them.

        Every call that ran, and a failure midway, is in the audit record.

        Raises:
            AccessDenied: the tier may not make a call; names the tier that would allow it.
        """
        from opsconsole.aws.errors import aws_errors

        result = ActionResult(action, env_name, target, dry_run, tuple(calls))
        if dry_run:
            return result
        session = self.broker.session(env_name, tier, reason)
        done: list[str] = []
        try:
            for call in calls:
                with aws_errors(session, call.service, f"{action} {target}"):
                    client = self.broker.client(env_name, tier, call.service)
                    getattr(client, call.operation)(**call.params)
                done.append(call.describe())
        except OpsError as e:
            self.record(
                action,
                session=session,
                reason=reason,
                outcome="failed",
                details={"target": target, "done": done, "failed": str(e.message)},
            )
            raise
        self.record(action, session=session, reason=reason, details={"target": target, "calls": done})
        return result

    def audit_records(self, since: datetime | None = None) -> Iterator[AuditRecord]:
        return self.journal.records(since)


def journal_path(settings: Settings) -> Path:
    if settings.audit.journal:
        return Path(settings.audit.journal).expanduser()
    return paths.state_dir() / "audit.jsonl"
