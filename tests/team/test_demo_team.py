"""The demo world's two operators: alice's lock refuses bob, bob approves alice's step from his
own terminal (config), and STS names bob. IAM enforcement is on, as in the demo."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from opsconsole.app.context import AppContext
from opsconsole.app.team import Team
from opsconsole.config import load_settings
from opsconsole.demo.world import DemoWorld
from opsconsole.domain.team import ApprovalBinding, LockHeld, digest_of
from tests.helpers import run_cli
from tests.support.forked_moto import forked_server, run_root


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoWorld]:
    root = tmp_path_factory.mktemp("team-demo")
    server = forked_server(run_root(tmp_path_factory), root)
    world = DemoWorld(root=root, operator="alice", deploy_stacks=False, server=server)
    start = world.server.start

    def patient(timeout: float = 90.0, *, port: int = 0) -> str:  # 2 busy CPUs
        return start(timeout, port=port)

    world.server.start = patient  # type: ignore[method-assign]
    world.start()
    yield world
    world.stop()


def _team(config: Path) -> Team:
    team = Team.of_context(AppContext.build(load_settings(config, environ={})))
    assert team is not None
    return team


def test_alice_and_bob_share_locks_and_approvals(
    world: DemoWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    assert world.ready is not None and world.peer is not None and world.peer_config is not None
    alice, bob_config = _team(world.ready.config_path), world.peer_config
    alice.take("prod", "deploy api 1.4")
    refused = run_cli(capsys, "-c", str(bob_config), "team", "lock", "prod", "--purpose", "scale web")
    assert refused.code == 3 and "user/alice" in refused.stderr and "deploy api 1.4" in refused.stderr
    with pytest.raises(LockHeld):
        _team(bob_config).take("prod", "scale web")
    binding = ApprovalBinding(f"run-{uuid.uuid4().hex[:6]}", "scale", digest_of("scale prod/api 4"))
    alice.request_approval(binding, "prod", "scale prod/api to 4")
    approved = run_cli(capsys, "-c", str(bob_config), "runbook", "approve", binding.run_id, "scale")
    assert approved.code == 0, approved.stderr
    assert alice.verify_approval(binding.run_id, "scale", binding.digest) == world.peer.arn
    assert world.peer.arn.endswith(":user/bob")
