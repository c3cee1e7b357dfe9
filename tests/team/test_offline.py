"""The team store unreachable (a real TCP fault between the console and moto): what needs a lock
or an approval refuses with one clear message; local work goes on; what could not be written is
kept locally and reaches the store once it is back."""

from __future__ import annotations

import time
import uuid

import pytest

from opsconsole.app.audit import AuditScope
from opsconsole.aws.session import utc_now
from opsconsole.domain.errors import ExitCode
from opsconsole.domain.team import RunState, TeamStoreUnavailable
from tests.faults import BAD_GATEWAY, RESET, fault_proxy
from tests.team.conftest import MakeTeam
from tests.team.world import TeamWorld


@pytest.mark.parametrize("mode", [RESET, BAD_GATEWAY])
def test_store_away_refuses_locks_and_approvals_keeps_the_rest_and_catches_up(
    make_team: MakeTeam, team_world: TeamWorld, mode: str
) -> None:
    with fault_proxy(team_world.endpoint) as proxy:
        alice, context = make_team("alice", endpoint=proxy.url)
        env = f"prod-{uuid.uuid4().hex[:6]}"
        alice.release(alice.take(env, "warm up"))  # signs in (the caller identity is kept)
        proxy.fail(mode)

        started = time.monotonic()
        with pytest.raises(TeamStoreUnavailable) as refused:
            alice.take(env, "deploy api")
        refusal_seconds = time.monotonic() - started
        assert "unreachable" in str(refused.value) and refused.value.exit_code == ExitCode.FAILED
        with pytest.raises(TeamStoreUnavailable):
            alice.verify_approval("run-x", "step", "0" * 64)

        # Local work goes on: the audit journal and what the store would index.
        record = context.audit.event("ecs.scale", AuditScope(env), reason="while the store is away")
        alice.sink().send(record)  # as the AuditTrail's sink would
        run = RunState(f"run-{uuid.uuid4().hex[:6]}", env, "alice", "running", utc_now())
        alice.publish_run(run)
        view = alice.view()
        assert view.unsent == 2 and "unreachable" in view.notes[0]

        proxy.heal()
        assert alice.catch_up() == 2
        view = alice.view()
        assert view.unsent == 0 and not view.notes
        assert record.id in {a.record_id for a in view.actions if a.environment == env}
        assert run.run_id in {r.run_id for r in view.runs}
        assert alice.take(env, "deploy api").environment == env
    print(f"store away ({mode}): a lock refused after {refusal_seconds:.2f} s")
