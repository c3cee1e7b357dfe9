"""The demo's Zabbix story: the simulator's hosts and problems, read through the console."""

from __future__ import annotations

from opsconsole.app.console import Console
from opsconsole.demo.sim_accounts import accounts_of
from opsconsole.demo.simulator import Simulator
from opsconsole.demo.story import zabbix_feed
from opsconsole.demo.world import DemoReady
from opsconsole.domain.problems import ProblemFilter, Severity


def test_the_simulation_raises_oom_cpu_and_agent_problems_on_tagged_hosts(
    demo_world: DemoReady, demo_console: Console
) -> None:
    feed = zabbix_feed(demo_world)
    accounts = accounts_of(demo_world.accounts.admin_keys)
    sim = Simulator(
        demo_world.endpoint,
        accounts,
        seed=5,
        oom_chance=0.0,
        zabbix=feed,
        agent_outage_chance=1.0,
        db_spike_chance=1.0,
    )
    sim.tick()  # instances, tasks and hosts
    sim.tick()  # an agent stops somewhere; the DB's CPU spikes
    prod = next(a for a in accounts if a.name == "prod")
    assert sim.kill_one(prod, "api")
    sim.tick()

    hosts = demo_console.alerts.hosts("prod")
    instances = [h for h in hosts if dict(h.tags).get("instance_id")]
    assert instances and all(dict(h.tags)["cluster"] == "prod-cluster" for h in instances)
    assert [dict(h.tags) for h in hosts if "rds_instance" in dict(h.tags)] == [
        {"env": "prod", "rds_instance": "prod-db"}
    ]

    problems = demo_console.alerts.problems("prod")
    names = [p.name for p in problems]
    oom = next(p for p in problems if p.name.startswith("OOM kill: api task on "))
    assert oom.tag("service") == "api" and oom.severity is Severity.HIGH and oom.manual_close
    assert oom.tag("instance_id") == oom.hosts[0].host.removeprefix("prod-")
    assert "High CPU on prod-db" in names
    assert "Zabbix agent is not available" in names
    # Nothing leaks across environments: dev's problems are dev's hosts only.
    assert all(h.host.startswith("dev-") for p in demo_console.alerts.problems("dev") for h in p.hosts)
    assert demo_console.alerts.problems("prod", ProblemFilter(min_severity=Severity.DISASTER)) == []
