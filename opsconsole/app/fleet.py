"""Fleet reads: ECS and RDS of one environment at the read tier, with their CloudWatch series.

Every read runs inside the AWS error translation, so no botocore exception leaves this module.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from opsconsole.app.context import AppContext
from opsconsole.app.fanout import yield_to_leads
from opsconsole.aws.ecs import EcsReader
from opsconsole.aws.elb import ElbReader
from opsconsole.aws.errors import aws_errors, translate_unexpected
from opsconsole.aws.metrics import MetricQuery, fetch
from opsconsole.aws.rds import RdsReader
from opsconsole.domain.ecs import (
    Cluster,
    ContainerInstance,
    EcsService,
    TargetHealth,
    Task,
    TaskDefinitionDiff,
)
from opsconsole.domain.environment import RoleTier
from opsconsole.domain.errors import BackendError
from opsconsole.domain.rds import DbCluster, DbEvent, DbInstance, PendingMaintenance

T = TypeVar("T")
R = TypeVar("R")
Series = dict[str, dict[str, list[float]]]


class Fleet:
    """What runs in an environment, read with the read role."""

    def __init__(self, context: AppContext) -> None:
        self._context = context

    def _read(
        self,
        env_name: str,
        service: str,
        reader: Callable[[str, Callable[[], Any]], R],
        read: Callable[[R], T],
        region: str | None = None,
    ) -> T:
        """`read` over the environment's `reader` of `service` (signed with the read role), through
        the environment's AWS circuit; a lead read elsewhere in the process goes first."""
        self._context.environment(env_name)
        yield_to_leads()

        def client() -> Any:
            return self._context.broker.client(env_name, RoleTier.READ, service, region)

        def guarded() -> T:
            with translate_unexpected(env_name):
                return read(reader(env_name, client))

        return self._context.guard("aws", env_name, guarded)

    def _ecs(self, env_name: str, read: Callable[[EcsReader], T]) -> T:
        return self._read(env_name, "ecs", EcsReader, read)

    def _rds(self, env_name: str, read: Callable[[RdsReader], T]) -> T:
        return self._read(env_name, "rds", RdsReader, read)

    # -- ECS --------------------------------------------------------------------------------

    def clusters(self, env_name: str) -> list[Cluster]:
        """Clusters as DescribeClusters counts them (services, running and pending tasks): two calls
        whatever the cluster's size, where counting from the tasks took two per 100 tasks."""
        return self._ecs(env_name, lambda r: r.clusters())

    def cluster_names(self, env_name: str) -> list[str]:
        """The cluster names alone (one ListClusters): for reads that go on to the services."""
        return self._ecs(env_name, lambda r: r.cluster_names())

    def service_names(self, env_name: str, cluster: str) -> list[str]:
        return self._ecs(env_name, lambda r: r.service_names(cluster))

    def services(self, env_name: str, cluster: str, names: list[str] | None = None) -> list[EcsService]:
        return self._ecs(env_name, lambda r: r.services(cluster, names))

    def service(self, env_name: str, cluster: str, name: str) -> EcsService:
        """Raises: InvalidInput: no such service in the cluster."""
        return self._ecs(env_name, lambda r: r.service(cluster, name))

    def tasks(
        self, env_name: str, cluster: str, service: str | None = None, *, stopped: bool = False
    ) -> list[Task]:
        return self._ecs(env_name, lambda r: r.tasks(cluster, service, stopped=stopped))

    def container_instances(self, env_name: str, cluster: str) -> list[ContainerInstance]:
        return self._ecs(env_name, lambda r: r.container_instances(cluster))

    def ec2_instance_ids(self, env_name: str, cluster: str) -> dict[str, str]:
        """Container instance ARN -> EC2 instance id (the id Zabbix hosts and logs carry)."""
        return self._ecs(env_name, lambda r: r.ec2_instance_ids(cluster))

    def target_health(self, env_name: str, service: EcsService) -> list[TargetHealth]:
        """The health of every target in the service's load balancer target groups (elbv2)."""
        self._context.environment(env_name)
        client = lambda: self._context.broker.client(env_name, RoleTier.READ, "elbv2")  # noqa: E731
        with translate_unexpected(env_name):
            return ElbReader(env_name, client).target_health(service.target_groups)

    def revisions(self, env_name: str, family: str) -> list[int]:
        return self._ecs(env_name, lambda r: r.revisions(family))

    def previous_revision(self, env_name: str, service: EcsService) -> int:
        """Raises: InvalidInput: the service runs the oldest active revision."""
        return self._ecs(env_name, lambda r: r.previous_revision(service))

    def taskdef_diff(self, env_name: str, family: str, old: int, new: int) -> TaskDefinitionDiff:
        return self._ecs(env_name, lambda r: r.taskdef_diff(family, old, new))

    def aws_read(
        self, env_name: str, service: str, operation: str, params: dict[str, Any], region: str | None = None
    ) -> dict[str, Any]:
        """One AWS call signed with the read role (runbook queries): a mutating call is denied by IAM.

        Raises:
            AccessDenied: the read tier may not make the call.
            BackendError: the call failed, or names no operation of the service.
        """
        broker = self._context.broker
        session = broker.session(env_name, RoleTier.READ)
        with aws_errors(session, service, f"{service}.{operation}"):
            method = getattr(broker.client(env_name, RoleTier.READ, service, region), operation, None)
            if method is None:
                raise BackendError(f"{service} has no operation {operation!r}")
            answer: dict[str, Any] = method(**params)
            return answer

    # -- RDS --------------------------------------------------------------------------------

    def databases(self, env_name: str) -> list[DbInstance]:
        return self._rds(env_name, lambda r: r.instances())

    def database(self, env_name: str, identifier: str) -> DbInstance:
        """Raises: InvalidInput: no such DB instance."""
        return self._rds(env_name, lambda r: r.instance(identifier))

    def db_clusters(self, env_name: str) -> list[DbCluster]:
        return self._rds(env_name, lambda r: r.clusters())

    def db_events(self, env_name: str, identifier: str | None, since: datetime) -> list[DbEvent]:
        now = self._context.now()
        return self._rds(env_name, lambda r: r.events(identifier, since, now))

    def pending_maintenance(self, env_name: str, identifier: str) -> PendingMaintenance:
        return self._rds(env_name, lambda r: r.pending_maintenance(identifier))

    # -- CloudWatch -------------------------------------------------------------------------

    def db_metrics(self, env_name: str, identifiers: list[str], span: timedelta) -> Series:
        """CPU, connections and free storage per DB instance, one batched CloudWatch call."""
        metrics = ("CPUUtilization", "DatabaseConnections", "FreeStorageSpace")
        queries = [
            MetricQuery(f"{db}|{metric}", "AWS/RDS", metric, (("DBInstanceIdentifier", db),))
            for db in identifiers
            for metric in metrics
        ]
        return self._metrics(env_name, queries, identifiers, span)

    def service_metrics(self, env_name: str, cluster: str, names: list[str], span: timedelta) -> Series:
        """CPU and memory per ECS service, one batched CloudWatch call."""
        dimensions = (("ClusterName", cluster),)
        queries = [
            MetricQuery(f"{name}|{metric}", "AWS/ECS", metric, (*dimensions, ("ServiceName", name)))
            for name in names
            for metric in ("CPUUtilization", "MemoryUtilization")
        ]
        return self._metrics(env_name, queries, names, span)

    def _metrics(
        self, env_name: str, queries: list[MetricQuery], subjects: list[str], span: timedelta
    ) -> Series:
        """Series keyed `subject|metric`, regrouped as {subject: {metric: values}}."""
        region = self._context.environment(env_name).region

        def series_of(client: Callable[[], Any]) -> dict[str, list[float]]:
            return fetch(client, queries, self._context.now(), span)

        series = self._read(env_name, "cloudwatch", lambda _env, client: client, series_of, region)
        result: Series = {subject: {} for subject in subjects}
        for key, values in series.items():
            subject, metric = key.split("|", 1)
            result[subject][metric] = values
        return result
