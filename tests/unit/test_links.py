"""Links from a resource to the other systems, by the estate's conventions and the config's templates."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from opsconsole.config import load_settings
from opsconsole.domain.environment import Environment
from opsconsole.domain.errors import ConfigError, InvalidInput
from opsconsole.domain.problems import Problem, ProblemHost, Severity
from opsconsole.domain.resources import ResourceKind, ResourceRef
from opsconsole.links import Linker

PROD = Environment(name="prod", account_id="333333333333", region="eu-west-1", roles={}, protected=True)


def problem(tags: tuple[tuple[str, str], ...], host: str = "h") -> Problem:
    return Problem(
        environment="prod",
        eventid="1",
        triggerid="2",
        name="x",
        severity=Severity.HIGH,
        started=datetime(2026, 1, 1, tzinfo=UTC),
        acknowledged=False,
        suppressed=False,
        hosts=(ProblemHost("10", host, host),),
        tags=tags,
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("prod/service/api", ResourceRef("prod", ResourceKind.SERVICE, "api")),
        ("prod/service/c1/api", ResourceRef("prod", ResourceKind.SERVICE, "api", cluster="c1")),
        ("dev/db/dev-db", ResourceRef("dev", ResourceKind.DB, "dev-db")),
        ("prod/problem/18", ResourceRef("prod", ResourceKind.PROBLEM, "18")),
    ],
)
def test_refs_round_trip(text: str, expected: ResourceRef) -> None:
    assert ResourceRef.parse(text) == expected
    assert str(expected) == text


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("prod/api", "cannot read"),
        ("prod/pod/api", "unknown resource kind 'pod'"),
        ("prod/db/a/b", "too many"),
    ],
)
def test_bad_refs_say_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(InvalidInput, match=says) as caught:
        ResourceRef.parse(text)
    assert caught.value.hint


def test_a_service_links_to_its_logs_hosts_stack_metrics_and_console() -> None:
    links = Linker().links(ResourceRef.parse("prod/service/api"), PROD, ["i-1", "i-2"])
    assert links.log_query == "env:prod AND service:api"
    assert links.stack == "prod-compute"
    assert [m.name for m in links.metrics] == ["CPUUtilization", "MemoryUtilization"]
    assert dict(links.metrics[0].dimensions) == {"ClusterName": "prod-cluster", "ServiceName": "api"}
    assert links.console_url == (
        "https://eu-west-1.console.aws.amazon.com/ecs/v2/clusters/prod-cluster/services/api/health"
        "?region=eu-west-1"
    )
    # Its problems: tagged with the service, or on an instance its tasks run on.
    assert links.problems.matches(problem((("service", "api"),)))
    assert links.problems.matches(problem((("instance_id", "i-2"),)))
    assert not links.problems.matches(problem((("instance_id", "i-9"), ("service", "web"))))


def test_a_database_links_to_its_host_and_the_data_stack() -> None:
    links = Linker().links(ResourceRef.parse("prod/db/prod-db"), PROD)
    assert links.log_query == "env:prod AND rds_instance:prod-db"
    assert links.stack == "prod-data"
    assert links.problems.matches(problem((("rds_instance", "prod-db"),)))
    assert not links.problems.matches(problem((("rds_instance", "staging-db"),)))
    assert "#database:id=prod-db" in (links.console_url or "")


def test_a_host_ref_matches_problems_by_host_name() -> None:
    links = Linker().links(ResourceRef.parse("prod/host/ecs-i-1"), PROD)
    assert links.problems.matches(problem((), host="ecs-i-1"))
    assert not links.problems.matches(problem((), host="ecs-i-2"))
    assert links.console_url is None  # Zabbix hosts have no AWS console page


def test_config_templates_override_the_conventions(tmp_path: Path) -> None:
    path = tmp_path / "opsconsole.toml"
    path.write_text(
        '[environments.prod]\naccount_id = "333333333333"\nregion = "eu-west-1"\n'
        'roles = { read = "arn:aws:iam::333333333333:role/OpsConsoleReadOnly" }\n'
        '[links.log_query]\nservice = "app:{name} AND stage:{env}"\n',
        encoding="utf-8",
    )
    settings = load_settings(path, environ={})
    links = Linker(settings.links).links(ResourceRef.parse("prod/service/api"), PROD)
    assert links.log_query == "app:api AND stage:prod"
    assert links.stack == "prod-compute"  # what is not overridden keeps the convention


@pytest.mark.parametrize(
    ("table", "says"),
    [
        ('[links.log_query]\nservice = "service:{svc}"\n', "unknown placeholder {svc}"),
        ('[links.log_query]\npod = "x"\n', "unknown key"),
        ('[links.dashboards]\nservice = "x"\n', "unknown key"),
    ],
)
def test_bad_link_templates_name_file_line_and_key(tmp_path: Path, table: str, says: str) -> None:
    path = tmp_path / "opsconsole.toml"
    path.write_text(
        '[environments.prod]\naccount_id = "333333333333"\nregion = "eu-west-1"\n'
        'roles = { read = "arn:aws:iam::333333333333:role/OpsConsoleReadOnly" }\n' + table,
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=says) as caught:
        load_settings(path, environ={})
    assert f"{path}:" in str(caught.value)
    assert "[links." in str(caught.value)
