"""The real Zabbix of scripts/zabbix/up.sh, end to end: a problem raised through the trapper shows
with its tags, an acknowledgement with a message is recorded under the user who made it. Proves the
infrastructure the contract suite stands on; skipped (or failed, in CI) without a real server."""

from __future__ import annotations

from pyzabbix.api import ZabbixAPI

from opsconsole.domain.problems import Severity
from tests.zabbix_real import real_zabbix_or_skip
from tests.zabbix_scenario import raise_problem, resolve_problem, unique, wait_for

ACKNOWLEDGE_WITH_MESSAGE = 2 | 4


def test_a_raised_problem_shows_its_tags_and_its_acknowledgement_names_the_user() -> None:
    real = real_zabbix_or_skip()
    api = ZabbixAPI(real.url, timeout=30)
    api.login(api_token=real.token)
    host = unique("smoke")
    raised = raise_problem(
        api,
        real.send,
        host=host,
        trigger_name="Smoke value too high on {HOST.NAME}",
        severity=Severity.AVERAGE,
        host_tags={"team": "ops"},
        trigger_tags={"service": "smoke"},
        reload_config=real.reload_config_cache,
    )
    try:
        problems = api.problem.get(eventids=[raised.eventid], output="extend", selectTags="extend")
        assert [p["name"] for p in problems] == [f"Smoke value too high on {host}"]
        assert problems[0]["severity"] == str(int(Severity.AVERAGE))
        assert problems[0]["acknowledged"] == "0"
        tags = {(t["tag"], t["value"]) for t in problems[0]["tags"]}
        assert {("service", "smoke"), ("team", "ops")} <= tags  # the host's tags come with the trigger's

        message = unique("looking into it")
        done = api.event.acknowledge(
            eventids=[raised.eventid], action=ACKNOWLEDGE_WITH_MESSAGE, message=message
        )
        assert [str(eventid) for eventid in done["eventids"]] == [raised.eventid]
        events = api.event.get(
            eventids=[raised.eventid],
            output=["eventid", "acknowledged"],
            select_acknowledges=["message", "action", "username"],
        )
        assert events[0]["acknowledged"] == "1"
        assert [(a["username"], a["message"], a["action"]) for a in events[0]["acknowledges"]] == [
            (real.user, message, str(ACKNOWLEDGE_WITH_MESSAGE))
        ]

        resolve_problem(real.send, raised)
        wait_for(
            lambda: not api.problem.get(eventids=[raised.eventid], output=["eventid"]),
            "problem gone after a good value",
        )
    finally:
        api.host.delete(raised.hostid)
