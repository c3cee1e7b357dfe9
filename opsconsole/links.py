"""Cross-system links: what a selected resource means in Graylog, Zabbix, CloudFormation and CloudWatch.

The mapping follows the estate's conventions (DESIGN section 6): log messages carry `env`, `service`,
`task_id`, `instance_id` (and `rds_instance` for database errors); Zabbix hosts carry the tags `env`,
`instance_id`, `cluster`, `rds_instance`, and Zabbix copies host tags onto their problems. Log queries,
stack names and console URLs are templates that `[links.*]` in the config can override.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import quote

from opsconsole.domain.environment import Environment
from opsconsole.domain.problems import Problem
from opsconsole.domain.resources import ResourceKind, ResourceRef

CLUSTER_NAME = "{env}-cluster"
"""The estate's one ECS cluster per environment (stacks/templates/compute.yaml)."""

LOG_QUERIES: dict[str, str] = {
    "cluster": "env:{env}",
    "service": "env:{env} AND service:{name}",
    "task": "env:{env} AND task_id:{name}",
    "container": "env:{env} AND task_id:{task} AND container_name:{name}",
    "instance": "env:{env} AND instance_id:{name}",
    "db": "env:{env} AND rds_instance:{name}",
    "stack": "env:{env}",
    "host": "env:{env} AND source:{name}",
    "problem": "env:{env}",
}

STACKS: dict[str, str] = {
    "cluster": "{env}-compute",
    "service": "{env}-compute",
    "task": "{env}-compute",
    "container": "{env}-compute",
    "instance": "{env}-compute",
    "db": "{env}-data",
    "stack": "{name}",
}

_CONSOLE = "https://{region}.console.aws.amazon.com"
CONSOLE_URLS: dict[str, str] = {
    "cluster": _CONSOLE + "/ecs/v2/clusters/{cluster}/services?region={region}",
    "service": _CONSOLE + "/ecs/v2/clusters/{cluster}/services/{name}/health?region={region}",
    "task": _CONSOLE + "/ecs/v2/clusters/{cluster}/tasks/{name}/configuration?region={region}",
    "container": _CONSOLE + "/ecs/v2/clusters/{cluster}/tasks/{task}/containers?region={region}",
    "instance": _CONSOLE + "/ec2/home?region={region}#InstanceDetails:instanceId={name}",
    "db": _CONSOLE + "/rds/home?region={region}#database:id={name};is-cluster=false",
    "stack": _CONSOLE + "/cloudformation/home?region={region}#/stacks?filteringText={name}",
}

GRAFANA_URLS: dict[str, str] = {}
"""A Grafana dashboard per kind, none by default: `[links.grafana] service = "https://..."`."""

TEMPLATE_SETS: dict[str, dict[str, str]] = {
    "log_query": LOG_QUERIES,
    "stack": STACKS,
    "console_url": CONSOLE_URLS,
    "grafana": GRAFANA_URLS,
}
PLACEHOLDERS = frozenset({"env", "name", "cluster", "region", "account", "task"})


@dataclass(frozen=True)
class Metric:
    namespace: str
    name: str
    dimensions: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ProblemScope:
    """Which Zabbix problems belong to a resource: any of these tags, or any of these hosts."""

    tags: tuple[tuple[str, str], ...] = ()
    hosts: tuple[str, ...] = ()

    def matches(self, problem: Problem) -> bool:
        if any(problem.tag(tag) == value for tag, value in self.tags):
            return True
        return any(host.host in self.hosts or host.name in self.hosts for host in problem.hosts)

    def describe(self) -> str:
        parts = [f"{tag}={value}" for tag, value in self.tags] + [f"host={h}" for h in self.hosts]
        return " or ".join(parts) or "nothing"


@dataclass(frozen=True)
class Links:
    ref: ResourceRef
    log_query: str
    problems: ProblemScope
    stack: str | None
    metrics: tuple[Metric, ...]
    console_url: str | None
    grafana_url: str | None = None

    def to_json_dict(self) -> dict[str, object]:
        return {
            "ref": str(self.ref),
            "log_query": self.log_query,
            "problems": {
                "any_tag": [list(t) for t in self.problems.tags],
                "any_host": list(self.problems.hosts),
            },
            "stack": self.stack,
            "metrics": [
                {"namespace": m.namespace, "name": m.name, "dimensions": dict(m.dimensions)}
                for m in self.metrics
            ],
            "console_url": self.console_url,
            "grafana_url": self.grafana_url,
        }


@dataclass(frozen=True)
class Linker:
    """Maps refs to their links with the config's templates laid over the conventions."""

    overrides: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def template(self, which: str, kind: ResourceKind) -> str | None:
        custom = self.overrides.get(which, {})
        return custom.get(kind.value, TEMPLATE_SETS[which].get(kind.value))

    def links(self, ref: ResourceRef, env: Environment, instance_ids: Iterable[str] = ()) -> Links:
        """Everything `ref` links to; `instance_ids` are where a service's tasks run, when known."""
        values = {
            "env": ref.environment,
            "name": ref.name,
            "cluster": cluster_of(ref),
            "region": env.region,
            "account": env.account_id,
            "task": ref.task or "",
        }

        def fill(which: str) -> str | None:
            template = self.template(which, ref.kind)
            return None if template is None else template.format(**values)

        return Links(
            ref=ref,
            log_query=fill("log_query") or f"env:{ref.environment}",
            problems=problem_scope(ref, instance_ids),
            stack=fill("stack"),
            metrics=metrics_for(ref),
            console_url=_quoted_url(fill("console_url")),
            grafana_url=_quoted_url(fill("grafana")),
        )


def cluster_of(ref: ResourceRef) -> str:
    if ref.kind is ResourceKind.CLUSTER:
        return ref.name
    return ref.cluster or CLUSTER_NAME.format(env=ref.environment)


def problem_scope(ref: ResourceRef, instance_ids: Iterable[str] = ()) -> ProblemScope:
    instances = tuple(("instance_id", i) for i in instance_ids)
    match ref.kind:
        case ResourceKind.SERVICE:
            return ProblemScope(tags=(("service", ref.name), *instances))
        case ResourceKind.TASK:
            return ProblemScope(tags=(("task_id", ref.name), *instances))
        case ResourceKind.CONTAINER:
            return ProblemScope(tags=(("task_id", ref.task or ""), *instances))
        case ResourceKind.INSTANCE:
            return ProblemScope(tags=(("instance_id", ref.name),))
        case ResourceKind.DB:
            return ProblemScope(tags=(("rds_instance", ref.name),))
        case ResourceKind.CLUSTER:
            return ProblemScope(tags=(("cluster", ref.name),))
        case ResourceKind.HOST:
            return ProblemScope(hosts=(ref.name,))
        case _:
            return ProblemScope(tags=(("env", ref.environment),))


def metrics_for(ref: ResourceRef) -> tuple[Metric, ...]:
    cluster = cluster_of(ref)
    dims: tuple[tuple[str, str], ...]
    match ref.kind:
        case ResourceKind.SERVICE:
            dims = (("ClusterName", cluster), ("ServiceName", ref.name))
            return tuple(Metric("AWS/ECS", m, dims) for m in ("CPUUtilization", "MemoryUtilization"))
        case ResourceKind.CLUSTER:
            dims = (("ClusterName", cluster),)
            return tuple(Metric("AWS/ECS", m, dims) for m in ("CPUReservation", "MemoryReservation"))
        case ResourceKind.INSTANCE:
            return (Metric("AWS/EC2", "CPUUtilization", (("InstanceId", ref.name),)),)
        case ResourceKind.DB:
            dims = (("DBInstanceIdentifier", ref.name),)
            names = ("CPUUtilization", "DatabaseConnections", "FreeStorageSpace")
            return tuple(Metric("AWS/RDS", m, dims) for m in names)
        case _:
            return ()


def check_template(template: str) -> str | None:
    """Why a template cannot be used (an unknown placeholder), or None when it can."""
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as exc:
        return str(exc)
    unknown = sorted(fields - PLACEHOLDERS)
    if unknown:
        return f"unknown placeholder {{{unknown[0]}}}; known: {', '.join(sorted(PLACEHOLDERS))}"
    return None


def _quoted_url(url: str | None) -> str | None:
    # Names go into URLs as they are; quote only what a URL cannot carry.
    return None if url is None else quote(url, safe=":/?#[]@!$&'()*+,;=%-._~")
