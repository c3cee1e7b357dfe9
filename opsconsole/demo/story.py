"""The demo's story, played step by step for tests and screenshots (the live demo plays it by ticks).

A bad api release in prod: a new deployment whose tasks are OOM-killed, which raises a Zabbix
problem and a 5xx spike in the logs; then a CPU alarm on prod's database. Simulation, labelled so.
"""

from __future__ import annotations

import time

from opsconsole.demo.sim_accounts import accounts_of
from opsconsole.demo.simulator import Simulator
from opsconsole.demo.traffic import LogTraffic
from opsconsole.demo.world import DemoReady
from opsconsole.demo.zabbix.feed import ZabbixFeed


def zabbix_feed(world: DemoReady) -> ZabbixFeed:
    """What the estate's agents report, sent to the world's Zabbix emulator (API + trapper)."""
    if world.zabbix is None:
        raise RuntimeError("this demo world runs no Zabbix emulator")
    token = (world.config_path.parent / "zabbix-token").read_text(encoding="utf-8").strip()
    return ZabbixFeed(world.zabbix.url, token, world.zabbix.port)


def gelf_address(world: DemoReady) -> str:
    """The world's GELF input, as LogTraffic and graypy take it."""
    return f"udp://127.0.0.1:{world.graylog.port}"


def story_simulator(world: DemoReady, *, seed: int = 7, story_at: int | None = None) -> Simulator:
    """A simulator wired to the world's Zabbix and Graylog emulators, with no random incidents."""
    return Simulator(
        world.endpoint,
        accounts_of(world.accounts.admin_keys),
        seed=seed,
        oom_chance=0.0,
        agent_outage_chance=0.0,
        db_spike_chance=0.0,
        zabbix=zabbix_feed(world),
        traffic=LogTraffic(gelf_address(world), seed=seed),
        story_at=story_at,
    )


def play_bad_release(world: DemoReady, ticks: int = 3, pause: float = 1.1) -> str:
    """prod's api gets a release that runs out of memory, then `ticks` ticks (each OOM-kills one of
    its tasks); `pause` seconds between steps keep their timestamps apart in every backend.
    Returns the release's task definition ARN."""
    simulator = story_simulator(world)
    simulator.tick()  # instances, tasks, hosts
    time.sleep(pause)
    prod = next(a for a in simulator.accounts if a.name == "prod")
    release = simulator.bad_deploy(prod, "api")
    for _ in range(ticks):
        time.sleep(pause)
        simulator.tick()
    time.sleep(1.5)  # Graylog makes a message searchable a second after it arrives
    return release
