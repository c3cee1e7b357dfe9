"""Bounded fan-out on moto: 30 environments (30 accounts) read at once cost about one, and AWS
calls to one account's service keep to its token bucket however many environments share it.

moto sits behind the fault proxy, each answer held `LATENCY` seconds (a slow link, labelled as
simulated), which counts the connections open at once and stamps every ECS request.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from opsconsole.app.console import Console
from opsconsole.config import Settings
from opsconsole.demo.world import DemoReady
from opsconsole.domain.errors import OpsError
from tests.conftest import settings_with_own_journal
from tests.faults import SLOW, FaultProxy, fault_proxy

LATENCY = 0.4
ECS_LIST = "AmazonEC2ContainerServiceV20141113.ListClusters"


def environments(settings: Settings, count: int, *, one_account: bool) -> Settings:
    """`count` copies of dev, each in an account of its own (moto makes accounts on first use) or
    all in dev's."""
    base = settings.environments["dev"]
    envs = {}
    for index in range(count):
        account = base.account_id if one_account else f"{555000000000 + index}"
        roles = {tier: arn.replace(base.account_id, account) for tier, arn in base.roles.items()}
        name = f"env{index:02d}"
        envs[name] = dataclasses.replace(base, name=name, account_id=account, roles=roles, protected=False)
    return dataclasses.replace(settings, environments=envs, default_environment=None)


@pytest.fixture
def slow_moto(open_world: DemoReady, tmp_path: Path) -> Iterator[tuple[Settings, FaultProxy]]:
    """The world without IAM enforcement: moto makes the 30 accounts' roles on AssumeRole."""
    settings = settings_with_own_journal(open_world, tmp_path)
    assert settings.endpoint_url
    with fault_proxy(settings.endpoint_url) as proxy:
        yield dataclasses.replace(settings, endpoint_url=proxy.url), proxy


def read_all(console: Console) -> tuple[float, list[tuple[str, object]]]:
    names = list(console.settings.environments)
    started = time.monotonic()
    answers = console.fan_out(names, console.fleet.clusters)
    took = time.monotonic() - started
    failed = [(env, result) for env, result in answers if isinstance(result, OpsError)]
    assert not failed, failed
    return took, list(answers)


def test_thirty_environments_read_at_once_cost_about_one(slow_moto: tuple[Settings, FaultProxy]) -> None:
    settings, proxy = slow_moto
    proxy.fail(SLOW, delay=LATENCY)
    one = Console.build(environments(settings, 1, one_account=False))
    many = Console.build(environments(settings, 30, one_account=False))
    try:
        alone, _ = read_all(one)
        proxy.peak_connections = 0
        together, answers = read_all(many)
    finally:
        one.close()
        many.close()
    assert len(answers) == 30
    # Concurrency is the claim here, shown by the proxy: the reads overlap instead of queueing.
    # How long 30 take against one is a performance figure, measured in bench/fleet_30.py (a timed
    # bound here failed on a CI worker sharing 2 cores, where client-side CPU, not waiting, dominates).
    # Not all 30: on 2 shared cores some threads answer before the last ones start (24 seen in CI);
    # a pool of 8 or 16, or reads in sequence, stays well below 20.
    assert proxy.peak_connections >= 20, f"only {proxy.peak_connections} reads ran at once"
    assert together < 30 * alone, f"30 environments took {together:.1f} s, one {alone:.1f} s: sequential"


def test_one_accounts_service_keeps_to_its_bucket(slow_moto: tuple[Settings, FaultProxy]) -> None:
    settings, proxy = slow_moto
    rate, count = 2, 12
    shared = dataclasses.replace(environments(settings, count, one_account=True), aws_rate=rate)
    console = Console.build(shared)
    try:
        read_all(console)
    finally:
        console.close()
    stamps = sorted(t for t, target in proxy.targets if target == ECS_LIST)
    assert len(stamps) == count
    burst = 2 * rate
    # The bucket lets `burst` calls go at once, then `rate` a second: 12 calls span >= (12-4)/2 s,
    # less the jitter between taking a token and the request reaching the proxy (up to ~0.5 s each
    # way on a loaded 2-core machine; without the bucket the 12 arrive within a fraction of a second).
    assert stamps[-1] - stamps[0] >= (count - burst) / rate - 1.0, stamps
    for index, start in enumerate(stamps):
        within = [t for t in stamps[index:] if t - start < 1.0]
        assert len(within) <= burst + rate, f"{len(within)} ListClusters in one second"
