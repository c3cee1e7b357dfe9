"""The demo tells the truth the screen shows: the bad release really differs from the one before
(the memory limit that causes the OOM kills), a killed task's container is STOPPED with exit 137,
no steady state is reported while the release's tasks die, pending maintenance is answered, the
cluster's counts agree with its tasks, and the estate's deploy leaves its status beside the config.
(A simulated world: moto with the demo's fixes, labelled as such in the demo.)"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from opsconsole.app.console import Console
from opsconsole.demo.world import ESTATE_STATUS, DemoReady
from opsconsole.domain.ecs import PENDING_STATES
from tests.conftest import BadRelease, settings_with_own_journal


@pytest.fixture
def world(bad_release_world: BadRelease) -> DemoReady:
    return bad_release_world.ready


@pytest.fixture
def console(world: DemoReady, tmp_path: Path) -> Iterator[Console]:
    built = Console.build(settings_with_own_journal(world, tmp_path))
    yield built
    built.close()


def test_the_bad_release_halves_the_memory_limit(console: Console) -> None:
    diff = console.fleet.taskdef_diff("prod", "prod-api", 1, 2)
    changed = [
        line for line in diff.lines if line.startswith(("-", "+")) and not line.startswith(("---", "+++"))
    ]
    assert '-      "memory": 1024,' in changed and '+      "memory": 512,' in changed
    assert any('"image"' in line for line in changed)  # a new image too: the release


def test_killed_containers_are_stopped_with_137_and_no_steady_state_while_they_die(console: Console) -> None:
    tasks = console.fleet.tasks("prod", "prod-cluster", "api", stopped=True)
    killed = [t for t in tasks if t.stopped_reason and "OutOfMemory" in t.stopped_reason]
    assert killed, "the story OOM-kills api's tasks"
    for task in killed:
        assert task.last_status == "STOPPED"
        assert [(c.last_status, c.exit_code, c.health) for c in task.containers] == [
            ("STOPPED", 137, "UNKNOWN")
        ]
    running = [t for t in tasks if t.last_status == "RUNNING"]
    assert running and all(c.last_status == "RUNNING" for t in running for c in t.containers)
    # no healthCheck in the demo's task definitions: AWS says UNKNOWN, never HEALTHY
    assert {c.health for t in running for c in t.containers} == {"UNKNOWN"}
    service = console.fleet.service("prod", "prod-cluster", "api")
    release = next(d for d in service.deployments if d.status == "PRIMARY")
    assert release.created_at is not None
    since_release = [e.message for e in service.events if e.at >= release.created_at]
    assert any("has stopped" in m for m in since_release)
    assert not any("steady state" in m for m in since_release)


def test_cluster_counts_agree_with_the_tasks(console: Console) -> None:
    for env in ("dev", "staging", "prod"):
        [cluster] = console.fleet.clusters(env)
        tasks = console.fleet.tasks(env, cluster.name)
        assert cluster.running_tasks == sum(1 for t in tasks if t.last_status == "RUNNING")
        assert cluster.pending_tasks == sum(1 for t in tasks if t.last_status in PENDING_STATES) >= 0
        assert cluster.services == len(console.fleet.service_names(env, cluster.name)) > 0


def test_pending_maintenance_is_answered_not_an_xml_error(console: Console) -> None:
    prod = console.fleet.pending_maintenance("prod", "prod-db")
    assert prod.available and prod.actions == ("system-update (New Operating System update is available)",)
    dev = console.fleet.pending_maintenance("dev", "dev-db")
    assert dev.available and dev.actions == () and "XML" not in dev.note


def test_the_estate_deploy_leaves_its_status_beside_the_config(world: DemoReady) -> None:
    status = world.config_path.parent / ESTATE_STATUS
    assert status.read_text(encoding="utf-8").strip() == "deployed"
