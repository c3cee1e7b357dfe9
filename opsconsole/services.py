"""Services: the one facade the TUI and the CLI both use, built from settings."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from opsconsole import paths
from opsconsole.audit import AuditJournal
from opsconsole.aws.identity import Clock, MfaPrompt
from opsconsole.aws.session import RoleBroker, utc_now
from opsconsole.config import Settings
from opsconsole.domain.actions import ActionResult, PlannedCall
from opsconsole.domain.audit import AuditRecord
from opsconsole.domain.environment import Environment, RoleTier
from opsconsole.domain.errors import BackendError, InvalidInput, OpsError, ReadOnlyViolation
from opsconsole.domain.identity import CallerIdentity, RoleSession, TemporaryCredentials
from opsconsole.domain.logs import SearchResult, Stream
from opsconsole.domain.problems import MaintenanceWindow, Problem, ProblemFilter, ProblemHost, Severity
from opsconsole.domain.resources import ResourceKind, ResourceRef
from opsconsole.domain.timeline import Timeline

if TYPE_CHECKING:
    from opsconsole.aws.ecs import EcsReader
    from opsconsole.aws.metrics import MetricQuery
    from opsconsole.aws.rds import RdsReader
    from opsconsole.graylog.audit_gelf import GelfAuditForwarder
    from opsconsole.graylog.client import GraylogClient
    from opsconsole.graylog.tail import LogTail
    from opsconsole.links import Links
    from opsconsole.runbooks.engine import RunbookEngine
    from opsconsole.runbooks.events import ApprovalRequest, RunEvent
    from opsconsole.stacks.engine import DeployEngine
    from opsconsole.stacks.manifest import Estate
    from opsconsole.stacks.stackset import InstanceResult
    from opsconsole.zabbix.client import ZabbixClient


T = TypeVar("T")


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
        self._zabbix_client: ZabbixClient | None = None
        self._zabbix_lock = threading.Lock()
        self._graylog: GraylogClient | None = None
        self._graylog_lock = threading.Lock()
        self._log_streams: dict[str, list[Stream]] = {}

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
        if self._zabbix_client is not None:
            self._zabbix_client.logout()
        if self._graylog is not None:
            self._graylog.close()

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
        environment: Environment | None = None,
        tier: RoleTier | None = None,
    ) -> AuditRecord:
        """One audit record; `environment` and `tier` stand in for a role session where the action
        went to a backend outside AWS (Zabbix)."""
        record = AuditRecord(
            at=self._clock(),
            actor=self.broker.operator,
            action=action,
            environment=session.environment if session else (environment.name if environment else None),
            account=session.identity.account
            if session
            else (environment.account_id if environment else None),
            role_arn=session.role_arn if session else None,
            tier=session.tier.value if session else (tier.value if tier else None),
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

    # -- Zabbix -----------------------------------------------------------------------------------

    def zabbix(self) -> ZabbixClient:
        """The one Zabbix client of these services, logged in on first use."""
        from opsconsole.zabbix.client import ZabbixClient

        with self._zabbix_lock:
            if self._zabbix_client is None:
                self._zabbix_client = ZabbixClient.from_settings(self.settings.zabbix)
            return self._zabbix_client

    def _zabbix_env(self, env_name: str) -> Environment:
        env = self.settings.environment(env_name)
        if not env.zabbix_host_groups:
            raise InvalidInput(
                f"{env_name} has no Zabbix host groups configured",
                hint=f'add zabbix = {{ host_groups = ["..."] }} to [environments.{env_name}]',
            )
        return env

    def problems(self, env_name: str, flt: ProblemFilter | None = None) -> list[Problem]:
        """Open problems of the environment's host groups (or of the filter's own groups), newest first.

        Raises:
            InvalidInput: the environment has no Zabbix host groups and the filter names none.
            BackendError, CredentialsError: Zabbix unreachable or refusing the credentials.
        """
        from opsconsole.zabbix.problems import read_problems

        env = self.settings.environment(env_name)
        flt = flt or ProblemFilter()
        if not flt.host_groups:
            flt = dataclasses.replace(flt, host_groups=self._zabbix_env(env_name).zabbix_host_groups)
        return read_problems(self.zabbix(), env.name, flt)

    def zabbix_hosts(self, env_name: str, tags: dict[str, str] | None = None) -> list[ProblemHost]:
        """Zabbix hosts of the environment's host groups, optionally with all the given tags."""
        from opsconsole.zabbix.problems import read_hosts

        return read_hosts(self.zabbix(), self._zabbix_env(env_name).zabbix_host_groups, tags)

    def maintenances(self, env_name: str) -> list[MaintenanceWindow]:
        """Maintenance windows on the environment's host groups or their hosts."""
        from opsconsole.zabbix.maintenance import read_maintenances

        return read_maintenances(self.zabbix(), self._zabbix_env(env_name).zabbix_host_groups)

    def problem_action(
        self,
        env_name: str,
        eventids: list[str],
        *,
        acknowledge: bool = False,
        message: str | None = None,
        close: bool = False,
        severity: Severity | None = None,
        unacknowledge: bool = False,
        dry_run: bool = False,
        reason: str | None = None,
    ) -> ActionResult:
        """Acknowledge, message, close, change severity or unacknowledge problems, in one
        event.acknowledge call; at the operate tier and audited.

        Raises:
            ReadOnlyViolation: the console or the environment is read-only.
            InvalidInput: nothing to do, or an event that is not an open problem of the environment.
            OpsError: a close the trigger does not allow, naming the problem (nothing is sent).
        """
        from opsconsole.zabbix.actions import action_name, plan_problem_action

        env = self._zabbix_writable(env_name)
        call = plan_problem_action(
            self.zabbix(),
            env,
            eventids,
            acknowledge=acknowledge,
            message=message,
            close=close,
            severity=severity,
            unacknowledge=unacknowledge,
        )
        name = action_name(
            acknowledge=acknowledge, close=close, severity=severity, unacknowledge=unacknowledge
        )
        return self._zabbix_change(env, name, ",".join(eventids), call, dry_run=dry_run, reason=reason)

    def create_maintenance(
        self,
        env_name: str,
        name: str,
        *,
        hostids: tuple[str, ...] | list[str] = (),
        host_groups: tuple[str, ...] | list[str] = (),
        duration: timedelta,
        collect_data: bool = True,
        description: str = "",
        dry_run: bool = False,
        reason: str | None = None,
    ) -> ActionResult:
        """A one-time maintenance window from now, for hosts and/or host groups of the environment."""
        from opsconsole.zabbix.actions import plan_maintenance_create

        env = self._zabbix_writable(env_name)
        call = plan_maintenance_create(
            self.zabbix(),
            env,
            name,
            hostids=hostids,
            host_groups=host_groups,
            start=self._clock(),
            duration=duration,
            collect_data=collect_data,
            description=description,
        )
        return self._zabbix_change(
            env, "zabbix-maintenance-create", name, call, dry_run=dry_run, reason=reason
        )

    def delete_maintenance(
        self, env_name: str, maintenanceid: str, *, dry_run: bool = False, reason: str | None = None
    ) -> ActionResult:
        """Delete one of the environment's maintenance windows."""
        from opsconsole.zabbix.actions import plan_maintenance_delete

        env = self._zabbix_writable(env_name)
        call = plan_maintenance_delete(self.zabbix(), env, maintenanceid)
        return self._zabbix_change(
            env, "zabbix-maintenance-delete", maintenanceid, call, dry_run=dry_run, reason=reason
        )

    def _zabbix_writable(self, env_name: str) -> Environment:
        env = self._zabbix_env(env_name)
        if self.settings.read_only or env.read_only:
            where = "the console runs read-only" if self.settings.read_only else f"{env.name} is read_only"
            raise ReadOnlyViolation(
                f"Zabbix changes are not available: {where}",
                hint="drop --read-only / read_only = true to act on this environment",
            )
        return env

    def _zabbix_change(
        self,
        env: Environment,
        action: str,
        target: str,
        call: PlannedCall,
        *,
        dry_run: bool,
        reason: str | None,
    ) -> ActionResult:
        """Send one planned Zabbix call (or only show it); the audit record has the operate tier."""
        result = ActionResult(action, env.name, target, dry_run, (call,))
        if dry_run:
            return result
        # maintenance.delete takes a bare list of ids as its params.
        params: Any = call.params["maintenanceids"] if call.operation == "maintenance.delete" else call.params
        try:
            answer = self.zabbix().call(call.operation, params)
        except OpsError as e:
            self.record(
                action,
                reason=reason,
                outcome="failed",
                details={"target": target, "failed": e.message, "call": call.describe()},
                environment=env,
                tier=RoleTier.OPERATE,
            )
            raise
        self.record(
            action,
            reason=reason,
            details={"target": target, "calls": [call.describe()]},
            environment=env,
            tier=RoleTier.OPERATE,
        )
        return dataclasses.replace(result, details={"result": answer})

    # -- Graylog ----------------------------------------------------------------------------------

    def graylog(self) -> GraylogClient:
        """The Graylog client of [graylog]: a token (sent as `<token>:token`), or with `username`
        the same secret as that user's password."""
        from opsconsole.domain.errors import ConfigError, CredentialsError
        from opsconsole.graylog.client import GraylogClient
        from opsconsole.secrets import backend_token

        with self._graylog_lock:
            if self._graylog is None:
                backend = self.settings.graylog
                if not backend.url:
                    raise ConfigError("[graylog] url is not set", hint='add url = "https://graylog…:9000"')
                secret = backend_token(backend, "graylog")
                if secret is None:
                    raise CredentialsError(
                        "graylog: no token source is configured",
                        hint="set [graylog] token_env (an environment variable) or token_command",
                    )
                self._graylog = GraylogClient(
                    backend.url,
                    token=None if backend.username else secret,
                    username=backend.username,
                    password=secret if backend.username else None,
                    verify_tls=backend.verify_tls,
                    ca_bundle=backend.ca_bundle,
                )
            return self._graylog

    def log_streams(self, env_name: str) -> list[Stream]:
        """The environment's Graylog streams (its `graylog.streams`, by title or id); every message
        stream when it names none.

        Raises:
            ConfigError: a configured stream does not exist on the server; lists the ones that do.
        """
        from opsconsole.domain.errors import ConfigError

        env = self.settings.environment(env_name)
        if env_name not in self._log_streams:
            streams = self.graylog().streams()
            if not env.graylog_streams:
                self._log_streams[env_name] = streams
            else:
                chosen = []
                for name in env.graylog_streams:
                    stream = next((s for s in streams if name in (s.id, s.title)), None)
                    if stream is None:
                        known = ", ".join(s.title for s in streams) or "none"
                        raise ConfigError(
                            f"environments.{env_name}.graylog.streams names {name!r}, "
                            "which Graylog does not have",
                            hint=f"streams the token can read: {known}",
                        )
                    chosen.append(stream)
                self._log_streams[env_name] = chosen
        return self._log_streams[env_name]

    def _stream_ids(self, env_name: str) -> list[str]:
        if not self.settings.environment(env_name).graylog_streams:
            return []  # no scoping: every message stream
        return [s.id for s in self.log_streams(env_name)]

    def search_logs(
        self,
        env_name: str,
        query: str = "*",
        *,
        since: timedelta | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        limit: int = 150,
        offset: int = 0,
        fields: tuple[str, ...] | list[str] = (),
    ) -> SearchResult:
        """Newest first, within the environment's streams; the last `since` (5 min by default) or
        `start`..`end`."""
        return self.graylog().search(
            query,
            since=since,
            start=start,
            end=end,
            streams=self._stream_ids(env_name),
            limit=limit,
            offset=offset,
            fields=tuple(fields),
        )

    def log_tail(self, env_name: str, query: str = "*", *, backlog: timedelta = timedelta(0)) -> LogTail:
        """A live tail of the environment's streams from `backlog` ago on (poll() or follow())."""
        from opsconsole.graylog.tail import LogTail

        return LogTail(self.graylog(), query, streams=self._stream_ids(env_name), backlog=backlog)

    def log_count(self, env_name: str, query: str, window: timedelta) -> int:
        """How many of the environment's messages match `query` in the last `window` (runbooks)."""
        return self.search_logs(env_name, query, since=window, limit=1).total

    def audit_records(self, since: datetime | None = None) -> Iterator[AuditRecord]:
        return self.journal.records(since)

    def runbook_engine(
        self,
        *,
        on_event: Callable[[RunEvent], None],
        approver: Callable[[ApprovalRequest], None],
        stop: threading.Event,
    ) -> RunbookEngine:
        """A runbook engine over these services, keeping its runs in the state directory."""
        from opsconsole.runbooks.engine import RunbookEngine
        from opsconsole.runbooks.library import runs_dir
        from opsconsole.runbooks.state import RunStore

        return RunbookEngine(self, RunStore(runs_dir()), on_event=on_event, approver=approver, stop=stop)

    def timeline(self, ref: ResourceRef, since: timedelta) -> Timeline:
        """What happened around `ref` in every system, newest first; unreadable sources are named."""
        from opsconsole.timeline import build_timeline

        return build_timeline(self, ref, since)

    def resource_links(self, ref: ResourceRef, *, resolve: bool = True) -> Links:
        """What `ref` links to in the other systems; `resolve` reads ECS for where a service's tasks run."""
        from opsconsole.links import Linker, cluster_of

        env = self.settings.environment(ref.environment)
        instance_ids: list[str] = []
        if resolve and ref.kind in (ResourceKind.SERVICE, ResourceKind.TASK):
            reader = self.ecs(ref.environment)
            cluster = cluster_of(ref)
            tasks = reader.tasks(cluster, ref.name if ref.kind is ResourceKind.SERVICE else None)
            service_ref = ref.kind is ResourceKind.SERVICE
            wanted = {t.container_instance for t in tasks if service_ref or t.id == ref.name}
            instance_ids = sorted(
                ci.ec2_instance_id
                for ci in reader.container_instances(cluster)
                if ci.arn in wanted and ci.ec2_instance_id
            )
        return Linker(self.settings.links).links(ref, env, instance_ids)


def journal_path(settings: Settings) -> Path:
    if settings.audit.journal:
        return Path(settings.audit.journal).expanduser()
    return paths.state_dir() / "audit.jsonl"
