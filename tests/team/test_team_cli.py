"""`opsconsole team` and `opsconsole runbook approve` as two operators use them, on the team world."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from opsconsole.domain.team import ApprovalBinding, digest_of
from tests.helpers import run_cli
from tests.team.conftest import MakeTeam, team_config
from tests.team.world import TeamWorld


def test_lock_refusal_view_and_break_from_two_terminals(
    team_world: TeamWorld, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    alice = str(team_config(team_world, tmp_path, "alice", team_world.endpoint))
    bob = str(team_config(team_world, tmp_path, "bob", team_world.endpoint))
    env = f"prod-{uuid.uuid4().hex[:6]}"
    taken = run_cli(capsys, "-c", alice, "team", "lock", env, "--purpose", "deploy api 1.4")
    assert taken.code == 0, taken.stderr
    refused = run_cli(capsys, "-c", bob, "team", "lock", env, "--purpose", "scale web")
    assert refused.code == 3
    assert (
        "user/alice" in refused.stderr
        and "deploy api 1.4" in refused.stderr
        and "Traceback" not in refused.stderr
    )
    view = run_cli(capsys, "-c", bob, "team", "-o", "json")
    assert view.code == 0, view.stderr
    locks = {lock["environment"]: lock for lock in json.loads(view.stdout)["locks"]}
    assert locks[env]["holder"].endswith("user/alice") and locks[env]["purpose"] == "deploy api 1.4"
    assert run_cli(capsys, "-c", bob, "team", "unlock", env).code == 3  # not bob's
    assert run_cli(capsys, "-c", bob, "team", "break", env, "--reason", "").code == 2
    broken = run_cli(capsys, "-c", bob, "team", "break", env, "--reason", "alice is off, deploy stuck")
    assert broken.code == 0, broken.stderr
    after = json.loads(run_cli(capsys, "-c", bob, "team", "-o", "json").stdout)
    assert env not in {lock["environment"] for lock in after["locks"]}
    # The break is in the team's index of actions (every console's audit trail also goes there).
    assert any(a["environment"] == env and a["action"] == "team.break" for a in after["actions"]), after[
        "actions"
    ]


def test_runbook_approve_signs_as_the_approver(
    make_team: MakeTeam, team_world: TeamWorld, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    alice, _ = make_team("alice")
    binding = ApprovalBinding(f"run-{uuid.uuid4().hex[:6]}", "scale", digest_of("scale prod/api 4"))
    alice.request_approval(binding, "prod", "scale prod/api to 4")
    bob = str(team_config(team_world, tmp_path, "bob", team_world.endpoint))
    pending = json.loads(run_cli(capsys, "-c", bob, "team", "-o", "json").stdout)["approvals"]
    assert any(a["run"] == binding.run_id and not a["signed"] for a in pending)
    approved = run_cli(capsys, "-c", bob, "runbook", "approve", binding.run_id, "scale")
    assert approved.code == 0, approved.stderr
    assert alice.verify_approval(binding.run_id, "scale", binding.digest) == team_world.operators["bob"].arn


def test_without_a_team_table_the_team_commands_say_so(
    team_world: TeamWorld, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = team_config(team_world, tmp_path, "alice", team_world.endpoint)
    config.write_text(
        config.read_text(encoding="utf-8").replace('table = "opsconsole-team"', ""), encoding="utf-8"
    )
    result = run_cli(capsys, "-c", str(config), "team")
    assert result.code == 2 and "no team store is configured" in result.stderr
