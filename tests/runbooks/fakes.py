"""The engine's unit tests run without servers: Graylog's count and Zabbix's acknowledge kept in
memory at the Services boundary the engine names in `RunbookServices`.

Only these tests use it; the shipped runbooks run on the demo world's real emulators (test_shipped).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from opsconsole.domain.actions import ActionResult
from opsconsole.domain.problems import Severity
from opsconsole.services import Services


@dataclass
class Monitoring:
    log_counts: dict[str, int] = field(default_factory=dict)
    """Count per query substring; the first key found in a query answers it (0 otherwise)."""
    on_count: Callable[[str], int | None] | None = None
    acknowledged: list[tuple[str, tuple[str, ...], str | None]] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    """Every monitoring change sent (dry runs excluded): the fake's side of 'no mutating call'."""


class MonitoredServices(Services):
    monitoring: Monitoring

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.monitoring = Monitoring()

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

    def log_count(self, env_name: str, query: str, window: timedelta) -> int:
        if self.monitoring.on_count is not None:
            answer = self.monitoring.on_count(query)
            if answer is not None:
                return answer
        return next((n for key, n in self.monitoring.log_counts.items() if key in query), 0)
