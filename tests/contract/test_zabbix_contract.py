"""The Zabbix contract: the console's client and console against the emulator and a real Zabbix 6.0,
the same tests on both. Each quirk relied on is in reference/zabbix-facts.md (cited as "facts")."""

from __future__ import annotations

import socket
import time
from datetime import timedelta
from pathlib import Path

import pytest
from pyzabbix.api import ZabbixAPI

from opsconsole.domain.errors import BackendError, CredentialsError, InvalidInput, OpsError, ReadOnlyViolation
from opsconsole.domain.problems import ProblemFilter, Severity
from opsconsole.zabbix.client import ZabbixClient
from tests.contract.conftest import (
    Scenario,
    ZabbixBackend,
    console_for,
    create_maintenance,
    delete_maintenance,
    problem_action,
)


def _two_problems(scenario: Scenario) -> dict[str, str]:
    scenario.trigger("Value high", 5, priority=2, manual_close=True, tags={"service": "probe"})
    scenario.trigger("Value critical", 50, priority=4, manual_close=False, tags={"service": "db"})
    return scenario.raise_all(100)


def test_problems_of_the_environment_carry_hosts_tags_and_filter(
    scenario: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = _two_problems(scenario)
    console = console_for(tmp_path, monkeypatch, scenario.backend, scenario.group)

    problems = console.alerts.problems("ops")
    assert {p.eventid for p in problems} == set(events.values())
    high = next(p for p in problems if p.eventid == events["Value high"])
    # problem.get ignores selectHosts; the hosts come from event.get (facts).
    assert [h.host for h in high.hosts] == [scenario.host]
    # The name is expanded, and the tags include the host's as well as the trigger's (facts).
    assert high.name.startswith("Value high on Contract Host")
    assert ("service", "probe") in high.tags and high.tag("env") == "ops"
    assert high.severity is Severity.WARNING and high.manual_close and not high.acknowledged

    severe = console.alerts.problems("ops", ProblemFilter(min_severity=Severity.HIGH))
    assert [p.eventid for p in severe] == [events["Value critical"]]
    by_text = console.alerts.problems("ops", ProblemFilter(text="critical"))
    assert [p.eventid for p in by_text] == [events["Value critical"]]
    by_tag = console.alerts.problems(
        "ops", ProblemFilter(host_groups=(scenario.group,), tags=(("service", "db"),))
    )
    assert [p.eventid for p in by_tag] == [events["Value critical"]]
    hosts = console.alerts.hosts("ops", {"instance_id": scenario.host.replace("contract-host-", "i-")})
    assert [h.hostid for h in hosts] == [scenario.hostid]


def test_acknowledge_with_a_message_shows_in_the_history_with_the_user(
    scenario: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = _two_problems(scenario)
    console = console_for(tmp_path, monkeypatch, scenario.backend, scenario.group)
    eventid = events["Value high"]

    result = problem_action(
        console, "ops", [eventid], acknowledge=True, message="looking into it", reason="INC-1"
    )

    # event.acknowledge answers with integer event ids (facts).
    assert result.details["result"] == {"eventids": [int(eventid)]}
    [problem] = [p for p in console.alerts.problems("ops") if p.eventid == eventid]
    assert problem.acknowledged
    [entry] = problem.history
    assert (entry.user, entry.message, entry.acknowledged) == (
        scenario.backend.username,
        "looking into it",
        True,
    )
    unacked = console.alerts.problems("ops", ProblemFilter(unacknowledged_only=True))
    assert [p.eventid for p in unacked] == [events["Value critical"]]
    record = list(console.audit.records())[-1]
    assert (record.action, record.environment, record.tier, record.reason) == (
        "zabbix.acknowledge",
        "ops",
        "operate",
        "INC-1",
    )


def test_severity_change_and_unacknowledge_are_recorded(
    scenario: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = _two_problems(scenario)
    console = console_for(tmp_path, monkeypatch, scenario.backend, scenario.group)
    eventid = events["Value high"]

    problem_action(console, "ops", [eventid], severity=Severity.HIGH)
    problem_action(console, "ops", [eventid], acknowledge=True)
    problem_action(console, "ops", [eventid], unacknowledge=True, message="not mine after all")

    [problem] = [p for p in console.alerts.problems("ops") if p.eventid == eventid]
    # The problem's severity changes; the trigger's priority does not (facts).
    assert problem.severity is Severity.HIGH and not problem.acknowledged
    change, ack, unack = problem.history
    assert (change.old_severity, change.new_severity) == (Severity.WARNING, Severity.HIGH)
    assert ack.acknowledged and unack.unacknowledged and unack.message == "not mine after all"
    [trigger] = scenario.api.trigger.get(triggerids=[problem.triggerid], output=["priority"])
    assert trigger["priority"] == "2"


def test_close_where_the_trigger_allows_it_and_a_clear_refusal_where_not(
    scenario: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = _two_problems(scenario)
    console = console_for(tmp_path, monkeypatch, scenario.backend, scenario.group)

    with pytest.raises(OpsError, match="does not allow manual closing") as refused:
        problem_action(console, "ops", [events["Value critical"]], close=True, message="done")
    assert "Value critical on Contract Host" in refused.value.message
    # Refused before anything was sent: no history entry for the message either.
    [critical] = [p for p in console.alerts.problems("ops") if p.eventid == events["Value critical"]]
    assert critical.history == ()
    # The server's own refusal, for a caller that does not check first (facts).
    with pytest.raises(Exception, match="trigger does not allow manual closing"):
        scenario.api.event.acknowledge(eventids=events["Value critical"], action=1)

    problem_action(console, "ops", [events["Value high"]], close=True, message="fixed")
    # The close is asynchronous on the real server, ~5 s (facts).
    scenario.wait_for(
        lambda: events["Value high"] not in {p.eventid for p in console.alerts.problems("ops")}, "the close"
    )


def test_bad_requests_are_refused_before_sending(
    scenario: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = _two_problems(scenario)
    console = console_for(tmp_path, monkeypatch, scenario.backend, scenario.group, extra="read_only = true")
    with pytest.raises(ReadOnlyViolation):
        problem_action(console, "ops", [events["Value high"]], acknowledge=True)
    writable = console_for(tmp_path, monkeypatch, scenario.backend, scenario.group)
    with pytest.raises(InvalidInput, match="no open problem with event id 999999"):
        problem_action(writable, "ops", ["999999"], acknowledge=True)
    dry = problem_action(writable, "ops", [events["Value high"]], acknowledge=True, dry_run=True)
    assert dry.calls[0].params == {"eventids": [events["Value high"]], "action": 2}
    assert not next(
        p for p in writable.alerts.problems("ops") if p.eventid == events["Value high"]
    ).acknowledged


def test_maintenance_create_list_delete(
    scenario: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    console = console_for(tmp_path, monkeypatch, scenario.backend, scenario.group)
    created = create_maintenance(
        console,
        "ops",
        f"patching {scenario.host}",
        hostids=[scenario.hostid],
        duration=timedelta(hours=1),
        collect_data=False,
    )
    [maintenanceid] = created.details["result"]["maintenanceids"]
    [window] = console.alerts.maintenances("ops")
    assert (window.maintenanceid, window.collect_data) == (maintenanceid, False)
    assert window.active_till - window.active_since >= timedelta(hours=1)
    assert window.hosts == (f"Contract Host {scenario.host.rsplit('-', 1)[1]}",)
    by_group = create_maintenance(
        console,
        "ops",
        f"group {scenario.group}",
        host_groups=[scenario.group],
        duration=timedelta(minutes=30),
    )
    assert {w.host_groups for w in console.alerts.maintenances("ops")} == {(), (scenario.group,)}

    delete_maintenance(console, "ops", maintenanceid)
    delete_maintenance(console, "ops", by_group.details["result"]["maintenanceids"][0])
    assert console.alerts.maintenances("ops") == []
    with pytest.raises(InvalidInput, match=f"no maintenance {maintenanceid} in ops"):
        delete_maintenance(console, "ops", maintenanceid)


@pytest.mark.slow
def test_a_maintenance_suppresses_the_hosts_problems(
    scenario: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = _two_problems(scenario)
    console = console_for(tmp_path, monkeypatch, scenario.backend, scenario.group)
    create_maintenance(
        console, "ops", f"m {scenario.host}", hostids=[scenario.hostid], duration=timedelta(hours=1)
    )
    scenario.backend.reload()
    # The real server suppresses on the next full minute (facts, gotcha 4).
    deadline = time.monotonic() + 75
    while not all(p.suppressed for p in console.alerts.problems("ops")):
        assert time.monotonic() < deadline, "the maintenance never suppressed the problems"
        time.sleep(2)
    # Suppressed problems are still returned by default; include_suppressed=False hides them.
    assert {p.eventid for p in console.alerts.problems("ops")} == set(events.values())
    assert console.alerts.problems("ops", ProblemFilter(include_suppressed=False)) == []


@pytest.mark.parametrize("token", ["0" * 64, "not-a-token"])
def test_a_wrong_token_is_a_credentials_error(zabbix_backend: ZabbixBackend, token: str) -> None:
    """6.0 says "Not authorized" to a well-formed unknown token and "Session terminated" to a
    malformed one; both are the token's fault, never a session to log in again to."""
    client = ZabbixClient(zabbix_backend.url, token=token)
    with pytest.raises(CredentialsError, match="did not accept the API token"):
        client.call("host.get", {"output": ["hostid"], "limit": 1})


def test_an_unreachable_server_is_a_backend_error_naming_the_url(zabbix_backend: ZabbixBackend) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/api_jsonrpc.php"
    with pytest.raises(BackendError, match=f"Zabbix at {url} is unreachable"):
        ZabbixClient(url, token=zabbix_backend.token).call("host.get", {"limit": 1})


def test_a_terminated_session_is_renewed_by_one_login(zabbix_backend: ZabbixBackend) -> None:
    client = ZabbixClient(
        zabbix_backend.url, username=zabbix_backend.username, password=zabbix_backend.password
    )
    assert client.version[:2] >= (6, 0)
    first = client.session_id
    assert first
    # Another party ends the session (user.logout with it); the next call answers "Session terminated,
    # re-login, please." (facts, gotcha 10).
    other = ZabbixAPI(zabbix_backend.url)
    other.version = client._api.version
    other.auth = first
    other.user.logout()
    with pytest.raises(Exception, match="Session terminated"):
        other.host.get(limit=1)

    assert isinstance(client.call("host.get", {"output": ["hostid"], "limit": 1}), list)
    assert client.session_id not in (None, first)
    client.logout()
