"""Raise real problems on any Zabbix that speaks the 6.0 API and the trapper protocol: the real
server of scripts/zabbix/up.sh or our emulator. The same steps an operator's Zabbix goes through:
host group, host with tags, trapper item, trigger (6.0 expression syntax), a bad value, a problem.

Backend-neutral: it takes a raw pyzabbix ZabbixAPI, a `send(host, key, value) -> bool` (e.g.
RealZabbix.send, or a zabbix_utils.Sender aimed at the emulator) and a config reload (the real
server's `config_cache_reload`; a no-op for the emulator).
"""

from __future__ import annotations

import functools
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from opsconsole.domain.problems import Severity

SendValue = Callable[[str, str, str], bool]
T = TypeVar("T")

ITEM_KEY = "opsconsole.value"
THRESHOLD = 5  # the trigger fires above it: BAD_VALUE raises the problem, GOOD_VALUE resolves it
BAD_VALUE = "10"
GOOD_VALUE = "0"


def no_reload() -> None:
    """The emulator sees new items at once."""


def unique(prefix: str) -> str:
    """A name no earlier run used: the real server's DB outlives test sessions."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@dataclass(frozen=True)
class ProblemSpec:
    host: str
    trigger_name: str
    severity: Severity = Severity.WARNING
    manual_close: bool = True
    group: str = "opsconsole-tests"
    host_tags: Mapping[str, str] = field(default_factory=dict)
    trigger_tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RaisedProblem:
    spec: ProblemSpec
    groupid: str
    hostid: str
    itemid: str
    triggerid: str
    eventid: str


def wait_for(check: Callable[[], T | None], what: str, timeout: float = 20.0, interval: float = 0.2) -> T:
    """Poll until `check` returns something truthy; fail naming what never happened."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{what}: not within {timeout:.0f} s")
        time.sleep(interval)


def _tags(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"tag": name, "value": value} for name, value in tags.items()]


def _group_id(api: Any, name: str) -> str:
    found = api.hostgroup.get(filter={"name": [name]}, output=["groupid"])
    if found:
        return str(found[0]["groupid"])
    return str(api.hostgroup.create(name=name)["groupids"][0])


def raise_problems(
    api: Any,
    send: SendValue,
    specs: Sequence[ProblemSpec],
    reload_config: Callable[[], None] = no_reload,
    timeout: float = 20.0,
) -> list[RaisedProblem]:
    """Create the objects for every spec, reload once, push bad values, wait for every problem.

    Specs naming the same host share it (the first one's group and tags make it) and its item, so
    one bad value raises all of that host's problems."""
    hosts: dict[str, tuple[str, str, str]] = {}  # host -> groupid, hostid, itemid
    triggers = []
    for spec in specs:
        if spec.host not in hosts:
            groupid = _group_id(api, spec.group)
            made = api.host.create(host=spec.host, groups=[{"groupid": groupid}], tags=_tags(spec.host_tags))
            hostid = str(made["hostids"][0])
            # type 2: trapper; value_type 3: numeric unsigned; no trapper_hosts: any sender is allowed
            item = api.item.create(
                hostid=hostid, name="opsconsole test value", key_=ITEM_KEY, type=2, value_type=3
            )
            hosts[spec.host] = (groupid, hostid, str(item["itemids"][0]))
        trigger = api.trigger.create(
            description=spec.trigger_name,
            expression=f"last(/{spec.host}/{ITEM_KEY})>{THRESHOLD}",
            priority=int(spec.severity),
            manual_close=int(spec.manual_close),
            tags=_tags(spec.trigger_tags),
        )
        triggers.append(str(trigger["triggerids"][0]))
    reload_config()
    for host in hosts:
        # The trapper refuses values for items it has not synced yet: a good value first, until taken.
        wait_for(functools.partial(send, host, ITEM_KEY, GOOD_VALUE), f"trapper accepts {host}", timeout)
        if not send(host, ITEM_KEY, BAD_VALUE):
            raise RuntimeError(f"the trapper refused the bad value for {host}")

    def problem_of(spec: ProblemSpec, triggerid: str) -> list[dict[str, Any]] | None:
        found: list[dict[str, Any]] = api.problem.get(objectids=[triggerid], output=["eventid"])
        if not found:
            # A periodic sync may have let the item in before this trigger: the value came too early
            # for it. Another bad value is evaluated by every trigger now synced; one in PROBLEM stays.
            send(spec.host, ITEM_KEY, BAD_VALUE)
        return found

    raised = []
    for spec, triggerid in zip(specs, triggers, strict=True):
        problems = wait_for(
            functools.partial(problem_of, spec, triggerid),
            f"problem {spec.trigger_name!r} on {spec.host}",
            timeout,
        )
        raised.append(RaisedProblem(spec, *hosts[spec.host], triggerid, str(problems[0]["eventid"])))
    return raised


def raise_problem(
    api: Any,
    send: SendValue,
    host: str,
    trigger_name: str,
    severity: Severity = Severity.WARNING,
    manual_close: bool = True,
    host_tags: Mapping[str, str] | None = None,
    trigger_tags: Mapping[str, str] | None = None,
    reload_config: Callable[[], None] = no_reload,
    group: str = "opsconsole-tests",
) -> RaisedProblem:
    """One problem, raised as raise_problems does."""
    spec = ProblemSpec(
        host, trigger_name, severity, manual_close, group, dict(host_tags or {}), dict(trigger_tags or {})
    )
    return raise_problems(api, send, [spec], reload_config)[0]


def resolve_problem(send: SendValue, problem: RaisedProblem) -> None:
    """Push a good value: the trigger recovers and the problem ends."""
    if not send(problem.spec.host, ITEM_KEY, GOOD_VALUE):
        raise RuntimeError(f"the trapper refused the good value for {problem.spec.host}")
