"""Correlation: what a resource links to in the other systems, and its timeline across all of them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from opsconsole.app.alerts import Alerts
from opsconsole.app.audit import AuditTrail
from opsconsole.app.context import AppContext
from opsconsole.app.fleet import Fleet
from opsconsole.app.logs import Logs
from opsconsole.app.timeline import build_timeline
from opsconsole.domain.resources import ResourceKind, ResourceRef
from opsconsole.domain.timeline import Timeline
from opsconsole.links import Linker, Links, cluster_of

if TYPE_CHECKING:
    from opsconsole.app.stacks import Stacks


@dataclass(eq=False, repr=False)
class Correlation:
    """Links and timelines, read through the other use cases."""

    _context: AppContext
    fleet: Fleet
    alerts: Alerts
    logs: Logs
    _stacks: Callable[[], Stacks]
    """The stacks use case, built on first use (the deploy engine's imports): only timelines read it."""

    @property
    def stacks(self) -> Stacks:
        return self._stacks()

    @property
    def audit(self) -> AuditTrail:
        return self._context.audit

    def now(self) -> datetime:
        return self._context.now()

    def links(self, ref: ResourceRef, *, resolve: bool = True) -> Links:
        """What `ref` links to in the other systems; `resolve` reads ECS for where a service's tasks run."""
        env = self._context.environment(ref.environment)
        instance_ids: list[str] = []
        if resolve and ref.kind in (ResourceKind.SERVICE, ResourceKind.TASK, ResourceKind.CONTAINER):
            cluster = cluster_of(ref)
            service_ref = ref.kind is ResourceKind.SERVICE
            task_id = ref.task if ref.kind is ResourceKind.CONTAINER else ref.name
            tasks = self.fleet.tasks(ref.environment, cluster, ref.name if service_ref else None)
            wanted = {t.container_instance for t in tasks if service_ref or t.id == task_id}
            instance_ids = sorted(
                ci.ec2_instance_id
                for ci in self.fleet.container_instances(ref.environment, cluster)
                if ci.arn in wanted and ci.ec2_instance_id
            )
        return Linker(self._context.settings.links).links(ref, env, instance_ids)

    def timeline(self, ref: ResourceRef, since: timedelta) -> Timeline:
        """What happened around `ref` in every system, newest first; unreadable sources are named."""
        return build_timeline(self, ref, since)
