"""A run killed with SIGKILL while holding a lock: its lease, renewed while it ran, expires by
itself and the lock can be taken again; and the team table's documented shape is the one used."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from cfnlint.decode import decode_str

from opsconsole.aws.session import utc_now
from opsconsole.aws.team_store import DynamoTeamStore
from opsconsole.domain.team import LockHeld
from opsconsole.stacks.templates import lint_template
from tests.team.conftest import MakeTeam
from tests.team.world import TABLE, TeamWorld

ROOT = Path(__file__).resolve().parents[2]


def test_a_killed_holders_lease_expires_and_the_lock_is_free_again(
    make_team: MakeTeam, team_world: TeamWorld, tmp_path: Path
) -> None:
    alice = team_world.operators["alice"]
    bob, _ = make_team("bob")
    bob.parts.me()  # signed in before the race against the lease's expiry begins
    env = f"prod-{uuid.uuid4().hex[:6]}"
    args = [team_world.endpoint, TABLE, alice.key_id, alice.secret, alice.arn, env, str(tmp_path)]
    holder = subprocess.Popen(
        [sys.executable, "-m", "tests.team.holder", *args], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        line = holder.stdout.readline()  # type: ignore[union-attr]
        assert line.startswith("HELD "), line
        token = line.split()[1]
        store = DynamoTeamStore(lambda: alice.client("dynamodb", team_world.endpoint), TABLE, utc_now)
        first = store.lease(env)
        time.sleep(6)  # longer than the 5 s lease: only renewal keeps it
        renewed = store.lease(env)
        assert first is not None and renewed is not None and renewed.token == token
        assert renewed.expires_at > first.expires_at and not renewed.expired(utc_now())
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(10)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
    with pytest.raises(LockHeld):
        bob.take(env, "after the crash")
    time.sleep(5.5)  # the lease's TTL, no renewal any more
    taken = bob.take(env, "after the crash")
    assert taken.holder == team_world.operators["bob"].arn


def test_the_documented_team_table_is_lint_clean_and_matches_the_store() -> None:
    text = (ROOT / "docs" / "team-table.yaml").read_text(encoding="utf-8")
    assert lint_template(text, "us-east-1", cache_dir=None) == []
    template, _ = decode_str(text)
    table = template["Resources"]["TeamTable"]["Properties"]
    assert [k["AttributeName"] for k in table["KeySchema"]] == ["pk", "sk"]
    assert table["TimeToLiveSpecification"]["AttributeName"] == "ttl"
    assert table["BillingMode"] == "PAY_PER_REQUEST" and table["SSESpecification"]["SSEType"] == "KMS"
    assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
