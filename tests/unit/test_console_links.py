"""Web links of a selection (app/console_links.py): the console page and the switch-role link with
the environment's account and read role, Grafana where a template is set, and the Zabbix frontend
derived from the API URL. None carries a credential."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from opsconsole.app.console_links import web_links, zabbix_frontend
from opsconsole.domain.environment import RoleTier
from opsconsole.domain.problems import Problem, ProblemHost, Severity
from opsconsole.domain.resources import ResourceKind, ResourceRef
from tests.tui.fakes import demo_like_settings


def test_a_service_links_to_its_console_page_and_the_switch_role_of_its_account() -> None:
    settings = demo_like_settings()
    env = settings.environment("prod")
    links = web_links(settings, ResourceRef("prod", ResourceKind.SERVICE, "api", cluster="prod-cluster"))
    assert "/ecs/v2/clusters/prod-cluster/services/api/" in links[0].url
    switch = urlsplit(links[1].url)
    query = parse_qs(switch.query)
    assert switch.netloc == "signin.aws.amazon.com" and switch.path == "/switchrole"
    assert query["account"] == [env.account_id]
    assert query["roleName"] == [env.roles[RoleTier.READ].split(":role/", 1)[1]]
    assert env.account_id in links[0].note  # the account and role the page needs are named


def test_grafana_only_where_a_template_is_configured() -> None:
    settings = demo_like_settings()
    ref = ResourceRef("dev", ResourceKind.DB, "dev-db")
    assert not any("Grafana" in link.label for link in web_links(settings, ref))
    grafana = {"grafana": {"db": "https://grafana.example/d/rds?var-db={name}&var-env={env}"}}
    configured = dataclasses.replace(settings, links=grafana)
    urls = [link.url for link in web_links(configured, ref) if "Grafana" in link.label]
    assert urls == ["https://grafana.example/d/rds?var-db=dev-db&var-env=dev"]


def test_a_problem_links_to_its_event_and_its_host_in_the_zabbix_frontend() -> None:
    settings = demo_like_settings()
    settings = dataclasses.replace(
        settings, zabbix=dataclasses.replace(settings.zabbix, url="http://zbx.example/zabbix/api_jsonrpc.php")
    )
    problem = Problem(
        "prod",
        "901",
        "13001",
        "OOM kill",
        Severity.HIGH,
        datetime(2026, 1, 1, tzinfo=UTC),
        False,
        False,
        hosts=(ProblemHost("10501", "prod-ecs-1", "prod ECS 1"),),
        tags=(("service", "api"),),
    )
    links = web_links(settings, None, problem)
    assert [link.url for link in links] == [
        "http://zbx.example/zabbix/tr_events.php?triggerid=13001&eventid=901",
        "http://zbx.example/zabbix/zabbix.php?action=problem.view&filter_set=1&hostids%5B%5D=10501",
    ]
    assert zabbix_frontend(None) is None and zabbix_frontend("http://z:8080") == "http://z:8080/"
