"""Zabbix maintenance: a window for the hosts of the linked resource, or the end of one. A service's
hosts are the instances its running tasks are on (what links.py resolves); the window's name says
so, so the confirmation does not suggest that hosts of stopped tasks are covered.

Finding the hosts reads Zabbix (a worker); the change itself is a registered kind, planned,
confirmed and sent by the change controller.
"""

from __future__ import annotations

from datetime import timedelta

from textual import work

from opsconsole.domain.action_kinds import ActionKind
from opsconsole.domain.errors import OpsError
from opsconsole.domain.problems import MaintenanceWindow
from opsconsole.domain.resources import ResourceKind, ResourceRef
from opsconsole.tui.controllers.base import Controller
from opsconsole.tui.messages import ActionFailed, ActionRequested

MAINTENANCE_DURATION = timedelta(hours=1)


class Maintenance(Controller):
    @work(thread=True, exclusive=True, exit_on_error=False, group="zabbix-mw", description="Zabbix hosts")
    def create_for(self, ref: ResourceRef) -> None:
        """Ask for a 1h window over the Zabbix hosts the resource runs on (none found: say so)."""
        try:
            links = self.console.correlation.links(ref)
            hosts = {
                h.hostid: h
                for tag, value in links.problems.tags
                if tag in ("instance_id", "rds_instance")
                for h in self.console.alerts.hosts(ref.environment, {tag: value})
            }
        except OpsError as e:
            self.post_message(ActionFailed(f"maintenance for {ref}", str(e)))
            return
        running = " (its running tasks)" if ref.kind is ResourceKind.SERVICE else ""
        if not hosts:
            self.post_message(
                ActionFailed(f"maintenance for {ref}", f"no Zabbix hosts found for {ref.label}{running}")
            )
            return
        named = sorted(h.name for h in hosts.values())
        names = ", ".join(named[:3]) + (f" and {len(named) - 3} more" if len(named) > 3 else "")
        name = f"opsconsole: {ref}{running}: {names}"
        params = {"name": name, "hostids": list(hosts), "duration": MAINTENANCE_DURATION}
        self.post_message(ActionRequested(ActionKind.ZABBIX_MAINTENANCE_CREATE, ref.environment, params))

    def end(self, env_name: str, window: MaintenanceWindow) -> None:
        params = {"maintenanceid": window.maintenanceid}
        self.post_message(ActionRequested(ActionKind.ZABBIX_MAINTENANCE_DELETE, env_name, params))
