"""The demo's story played on a test world: a bad api release in prod and what follows it."""

from __future__ import annotations

import time

from opsconsole.demo.simulator import Simulator, accounts_of
from opsconsole.demo.traffic import LogTraffic
from opsconsole.demo.world import DemoReady
from opsconsole.demo.zabbix.feed import ZabbixFeed


def play_bad_release(world: DemoReady, ticks: int = 3) -> str:
    """prod's api gets a release that runs out of memory, then `ticks` ticks of the simulation (each
    OOM-kills one of its tasks: task stops, a Zabbix problem, a 5xx spike). Returns the release's ARN."""
    assert world.zabbix_url and world.zabbix_trapper_port
    token = (world.config_path.parent / "zabbix-token").read_text().strip()
    simulator = Simulator(
        world.endpoint,
        accounts_of(world.accounts.admin_keys),
        seed=7,
        oom_chance=0.0,
        agent_outage_chance=0.0,
        db_spike_chance=0.0,
        zabbix=ZabbixFeed(world.zabbix_url, token, world.zabbix_trapper_port),
        traffic=LogTraffic(f"udp://127.0.0.1:{world.gelf_udp_port}", seed=7),
    )
    simulator.tick()  # instances, tasks, hosts
    time.sleep(1.1)  # timestamps are seconds apart in every backend
    prod = next(a for a in simulator.accounts if a.name == "prod")
    release = simulator.bad_deploy(prod, "api")
    for _ in range(ticks):
        time.sleep(1.1)
        simulator.tick()
    time.sleep(1.5)  # Graylog makes a message searchable a second after it arrives
    return release
