"""Changes in a protected environment hold its team lock: while alice holds prod's lock, bob's ECS
change is refused before anything is written or sent (his audit trail has no intent, AWS is
unchanged); once she lets go, the same change goes through and leaves the lock free again."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from opsconsole.app.console import Console
from opsconsole.config import Settings, load_settings
from opsconsole.demo.world import DemoReady
from opsconsole.domain.action_kinds import ActionKind
from opsconsole.domain.team import LockHeld
from tests.world_helpers import admin


def _console(config: Path, journal: Path) -> Console:
    settings: Settings = load_settings(config, environ={})
    audit = dataclasses.replace(settings.audit, journal=str(journal))
    return Console.build(dataclasses.replace(settings, audit=audit))


def desired(world: DemoReady, service: str) -> int:
    ecs = admin(world, "prod", "ecs")
    return int(
        ecs.describe_services(cluster="prod-cluster", services=[service])["services"][0]["desiredCount"]
    )


def test_a_prod_change_waits_for_no_one_and_refuses_while_another_operator_holds_the_lock(
    demo_world: DemoReady, tmp_path: Path
) -> None:
    alice = _console(demo_world.config_path, tmp_path / "alice.jsonl")
    bob = _console(demo_world.config_path.with_name("opsconsole-bob.toml"), tmp_path / "bob.jsonl")
    assert alice.team is not None and bob.team is not None, "the demo world has a team table"
    before = desired(demo_world, "worker")
    planned = bob.plan(ActionKind.ECS_SCALE, "prod", {"service": "worker", "count": before + 1})
    lease = alice.team.take("prod", "deploy api 1.4")
    try:
        with pytest.raises(LockHeld, match="alice") as refused:
            bob.changes.execute(planned, reason="INC-7")
        assert "deploy api 1.4" in str(refused.value)
        assert [r for r in bob.audit.records() if r.phase == "intent"] == []
        assert desired(demo_world, "worker") == before
    finally:
        alice.team.release(lease)
    try:
        bob.changes.execute(planned, reason="INC-7")
        assert desired(demo_world, "worker") == before + 1
        assert alice.team.store.lease("prod") is None, "bob's change let go of the lock"
    finally:  # the world is shared by the session's tests
        admin(demo_world, "prod", "ecs").update_service(
            cluster="prod-cluster", service="worker", desiredCount=before
        )
    for console in (alice, bob):
        console.close()
