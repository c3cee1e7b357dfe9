"""The real Services with Zabbix and Graylog kept in memory, until their clients land on main.

AWS calls go to the demo world for real; only the monitoring half is faked, at the Services boundary
the runbook engine names in `RunbookServices`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from opsconsole.domain.actions import ActionResult
from opsconsole.domain.problems import Problem, ProblemFilter, ProblemHost, Severity
from opsconsole.services import Services


@dataclass
class Monitoring:
    problems: list[Problem] = field(default_factory=list)
    log_counts: dict[str, int] = field(default_factory=dict)
    """Count per query substring; the first key found in a query answers it (0 otherwise)."""
    on_count: Callable[[str], int | None] | None = None
    acknowledged: list[tuple[str, tuple[str, ...], str | None]] = field(default_factory=list)
    maintenances: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    """Every monitoring change sent (dry runs excluded): the fake's side of 'no mutating call'."""


class MonitoredServices(Services):
    monitoring: Monitoring

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.monitoring = Monitoring()

    def problems(self, env_name: str, flt: ProblemFilter | None = None) -> list[Problem]:
        flt = flt or ProblemFilter()
        found = []
        for problem in self.monitoring.problems:
            if problem.environment != env_name:
                continue
            if any(problem.tag(k) != v for k, v in flt.tags):
                continue
            if flt.text and flt.text.lower() not in problem.name.lower():
                continue
            if flt.unacknowledged_only and problem.acknowledged:
                continue
            found.append(problem)
        return found

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
        if not dry_run:
            self.monitoring.calls.append("event.acknowledge")
            self.monitoring.acknowledged.append((env_name, tuple(eventids), message))
        return ActionResult("zabbix-acknowledge", env_name, ",".join(eventids), dry_run, ())

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
        details: dict[str, Any] = {}
        if not dry_run:
            self.monitoring.calls.append("maintenance.create")
            maintenanceid = str(len(self.monitoring.maintenances) + 1)
            self.monitoring.maintenances[maintenanceid] = {
                "name": name,
                "host_groups": list(host_groups),
                "seconds": duration.total_seconds(),
            }
            details["result"] = {"maintenanceids": [maintenanceid]}  # Zabbix's answer, as Services returns it
        return ActionResult("zabbix-maintenance", env_name, name, dry_run, (), details)

    def delete_maintenance(
        self, env_name: str, maintenanceid: str, *, dry_run: bool = False, reason: str | None = None
    ) -> ActionResult:
        if not dry_run:
            self.monitoring.calls.append("maintenance.delete")
            self.monitoring.maintenances.pop(maintenanceid)
        return ActionResult("zabbix-end-maintenance", env_name, maintenanceid, dry_run, ())

    def log_count(self, env_name: str, query: str, window: timedelta) -> int:
        if self.monitoring.on_count is not None:
            answer = self.monitoring.on_count(query)
            if answer is not None:
                return answer
        return next((n for key, n in self.monitoring.log_counts.items() if key in query), 0)


def problem(env: str, eventid: str, name: str, **tags: str) -> Problem:
    return Problem(
        environment=env,
        eventid=eventid,
        triggerid="1" + eventid,
        name=name,
        severity=Severity.HIGH,
        started=datetime.now(UTC) - timedelta(minutes=5),
        acknowledged=False,
        suppressed=False,
        hosts=(ProblemHost("10" + eventid, f"{env}-host", f"{env} host"),),
        tags=tuple(tags.items()),
    )
