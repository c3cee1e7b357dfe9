"""RDS reads and the calls behind RDS actions, for one environment."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from opsconsole.aws.paging import EnvReader
from opsconsole.domain.errors import InvalidInput
from opsconsole.domain.rds import DbCluster, DbEvent, DbInstance, PendingMaintenance


class RdsReader(EnvReader):
    """One environment's RDS."""

    TOKENS = ("Marker", "Marker")

    def instances(self) -> list[DbInstance]:
        return sorted(
            (_instance(self.env, raw) for raw in self._paginate("describe_db_instances", "DBInstances")),
            key=lambda d: d.identifier,
        )

    def instance(self, identifier: str) -> DbInstance:
        for db in self.instances():
            if db.identifier == identifier:
                return db
        raise InvalidInput(
            f"no RDS instance {identifier!r} in {self.env}",
            hint=f"list them: opsconsole rds list --env {self.env}",
        )

    def clusters(self) -> list[DbCluster]:
        return [
            DbCluster(
                self.env,
                raw["DBClusterIdentifier"],
                raw.get("Status", "?"),
                raw.get("Engine", "?"),
                raw.get("EngineVersion", "?"),
                tuple(m["DBInstanceIdentifier"] for m in raw.get("DBClusterMembers") or []),
                raw.get("Endpoint"),
            )
            for raw in self._paginate("describe_db_clusters", "DBClusters")
        ]

    def events(self, identifier: str | None, since: datetime, now: datetime) -> list[DbEvent]:
        kwargs: dict[str, Any] = {"StartTime": since, "EndTime": now, "SourceType": "db-instance"}
        if identifier:
            kwargs["SourceIdentifier"] = identifier
        rows = self._paginate("describe_events", "Events", **kwargs)
        return sorted(
            (
                DbEvent(
                    self.env,
                    r.get("SourceIdentifier", "?"),
                    r["Date"],
                    r.get("Message", ""),
                    tuple(r.get("EventCategories") or []),
                )
                for r in rows
            ),
            key=lambda e: e.at,
        )

    def pending_maintenance(self, identifier: str) -> PendingMaintenance:
        """Pending maintenance, or a clear 'not available' where the endpoint cannot say."""
        from botocore.exceptions import BotoCoreError, ClientError
        from botocore.parsers import ResponseParserError

        try:
            rows = self._paginate("describe_pending_maintenance_actions", "PendingMaintenanceActions")
        except (ClientError, BotoCoreError, ResponseParserError, NotImplementedError) as e:
            reason = str(e).splitlines()[0][:120]
            return PendingMaintenance(
                self.env, identifier, (), available=False, note=f"not available from this endpoint ({reason})"
            )
        actions = tuple(
            f"{a.get('Action')} ({a.get('Description', '')})".strip()
            for row in rows
            if row.get("ResourceIdentifier", "").endswith(f":db:{identifier}")
            for a in row.get("PendingMaintenanceActionDetails") or []
        )
        return PendingMaintenance(self.env, identifier, actions, available=True)


def _instance(env: str, raw: dict[str, Any]) -> DbInstance:
    endpoint = raw.get("Endpoint") or {}
    return DbInstance(
        environment=env,
        identifier=raw["DBInstanceIdentifier"],
        arn=raw.get("DBInstanceArn", ""),
        status=raw.get("DBInstanceStatus", "?"),
        instance_class=raw.get("DBInstanceClass", "?"),
        engine=raw.get("Engine", "?"),
        engine_version=raw.get("EngineVersion", "?"),
        multi_az=bool(raw.get("MultiAZ")),
        storage_gb=int(raw.get("AllocatedStorage") or 0),
        storage_type=raw.get("StorageType"),
        endpoint=endpoint.get("Address"),
        port=endpoint.get("Port"),
        cluster=raw.get("DBClusterIdentifier"),
        deletion_protection=bool(raw.get("DeletionProtection")),
    )
