"""Zabbix problems and maintenance of an environment: reads, and changes planned for ChangeRunner."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, TypeVar

from opsconsole.app.changes import Change, change
from opsconsole.app.context import AppContext
from opsconsole.domain.action_kinds import ActionKind
from opsconsole.domain.environment import Environment
from opsconsole.domain.errors import ConfigError, InvalidInput
from opsconsole.domain.problems import MaintenanceWindow, Problem, ProblemFilter, ProblemHost, Severity
from opsconsole.zabbix.actions import plan_maintenance_create, plan_maintenance_delete, plan_problem_action
from opsconsole.zabbix.errors import UnknownHostGroups
from opsconsole.zabbix.maintenance import read_maintenances
from opsconsole.zabbix.problems import read_hosts, read_problems

if TYPE_CHECKING:
    from opsconsole.zabbix.client import ZabbixClient

T = TypeVar("T")


def problem_kind(
    *, acknowledge: bool, close: bool, severity: Severity | None, unacknowledge: bool
) -> ActionKind:
    """The kind an event.acknowledge call is audited as: the strongest thing it does."""
    if close:
        return ActionKind.ZABBIX_CLOSE
    if severity is not None:
        return ActionKind.ZABBIX_SEVERITY
    if unacknowledge:
        return ActionKind.ZABBIX_UNACKNOWLEDGE
    if acknowledge:
        return ActionKind.ZABBIX_ACKNOWLEDGE
    return ActionKind.ZABBIX_MESSAGE


@contextlib.contextmanager
def _configured_groups(env_name: str) -> Iterator[None]:
    """A host group of the environment's config that Zabbix lacks is a config error naming the key
    (exit 2), never an empty list that reads as "no problems"."""
    try:
        yield
    except UnknownHostGroups as e:
        raise ConfigError(
            f"Zabbix has no host group {', '.join(map(repr, e.missing))}",
            key=f"environments.{env_name}.zabbix.host_groups",
            hint=e.hint,
        ) from None


class Alerts:
    """Problems, hosts and maintenance windows of the environment's Zabbix host groups."""

    def __init__(self, context: AppContext) -> None:
        self._context = context

    def _env(self, env_name: str) -> Environment:
        env = self._context.environment(env_name)
        if not env.zabbix_host_groups:
            raise InvalidInput(
                f"{env_name} has no Zabbix host groups configured",
                hint=f'add zabbix = {{ host_groups = ["..."] }} to [environments.{env_name}]',
            )
        return env

    def _zabbix(self, env_name: str, read: Callable[[ZabbixClient], T]) -> T:
        """A read through the Zabbix circuit of the environment (its client made inside it)."""
        return self._context.guard("zabbix", env_name, lambda: read(self._context.backends.zabbix()))

    def problems(self, env_name: str, flt: ProblemFilter | None = None) -> list[Problem]:
        """Open problems of the environment's host groups (or of the filter's own groups), newest first.

        Raises:
            InvalidInput: the environment has no Zabbix host groups and the filter names none.
            BackendError, CredentialsError: Zabbix unreachable or refusing the credentials.
        """
        env = self._context.environment(env_name)
        given = flt or ProblemFilter()
        if given.host_groups:
            return self._zabbix(env.name, lambda z: read_problems(z, env.name, given))
        scoped = dataclasses.replace(given, host_groups=self._env(env_name).zabbix_host_groups)
        with _configured_groups(env_name):
            return self._zabbix(env.name, lambda z: read_problems(z, env.name, scoped))

    def hosts(
        self, env_name: str, tags: Mapping[str, str] | Sequence[tuple[str, str]] | None = None
    ) -> list[ProblemHost]:
        """Zabbix hosts of the environment's host groups, optionally with all the given tags."""
        groups = self._env(env_name).zabbix_host_groups
        with _configured_groups(env_name):
            return self._zabbix(env_name, lambda z: read_hosts(z, groups, tags))

    def maintenances(self, env_name: str) -> list[MaintenanceWindow]:
        """Maintenance windows on the environment's host groups or their hosts."""
        groups = self._env(env_name).zabbix_host_groups
        with _configured_groups(env_name):
            return self._zabbix(env_name, lambda z: read_maintenances(z, groups))

    def plan_problem_action(
        self,
        env_name: str,
        eventids: list[str],
        *,
        acknowledge: bool = False,
        message: str | None = None,
        close: bool = False,
        severity: Severity | None = None,
        unacknowledge: bool = False,
    ) -> Change:
        """Acknowledge, message, close, change severity or unacknowledge problems in one call.

        Raises:
            InvalidInput: nothing to do, or an event that is not an open problem of the environment.
            OpsError: a close the trigger does not allow, naming the problem (nothing is sent).
        """
        env = self._env(env_name)
        client = self._context.backends.zabbix()
        call = plan_problem_action(
            client,
            env,
            eventids,
            acknowledge=acknowledge,
            message=message,
            close=close,
            severity=severity,
            unacknowledge=unacknowledge,
        )
        kind = problem_kind(
            acknowledge=acknowledge, close=close, severity=severity, unacknowledge=unacknowledge
        )
        summary = f"{kind.spec.label} {', '.join(eventids)}"
        details = {"message": message} if message else {}
        return change(kind, env, ",".join(eventids), [call], summary, details=details)

    def plan_maintenance(
        self,
        env_name: str,
        name: str,
        *,
        hostids: tuple[str, ...] | list[str] = (),
        host_groups: tuple[str, ...] | list[str] = (),
        duration: timedelta,
        collect_data: bool = True,
        description: str = "",
    ) -> Change:
        """A one-time maintenance window from now, for hosts and/or host groups of the environment."""
        env = self._env(env_name)
        call = plan_maintenance_create(
            self._context.backends.zabbix(),
            env,
            name,
            hostids=hostids,
            host_groups=host_groups,
            start=self._context.now(),
            duration=duration,
            collect_data=collect_data,
            description=description,
        )
        summary = f"create the maintenance {name!r} for {duration}"
        return change(ActionKind.ZABBIX_MAINTENANCE_CREATE, env, name, [call], summary)

    def plan_end_maintenance(self, env_name: str, maintenanceid: str) -> Change:
        """Delete one of the environment's maintenance windows."""
        env = self._env(env_name)
        call = plan_maintenance_delete(self._context.backends.zabbix(), env, maintenanceid)
        summary = f"delete the maintenance {maintenanceid}"
        return change(ActionKind.ZABBIX_MAINTENANCE_DELETE, env, maintenanceid, [call], summary)
