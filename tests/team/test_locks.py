"""Environment locks on a real DynamoDB (moto over HTTP): one holder at a time, refusals that name
the holder, renew and release by the holder only, and a break that needs a reason and is audited."""

from __future__ import annotations

import multiprocessing
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from opsconsole.app.team import Team
from opsconsole.app.team_parts import TeamParts
from opsconsole.aws.session import utc_now
from opsconsole.aws.team_store import DynamoTeamStore
from opsconsole.domain.errors import InvalidInput
from opsconsole.domain.team import Lease, LeaseLost, LockHeld
from tests.team.conftest import MakeTeam
from tests.team.race import contend
from tests.team.world import TABLE, TeamWorld

ROUNDS = 100


def test_two_processes_racing_100_times_leave_exactly_one_holder_each_time(team_world: TeamWorld) -> None:
    alice, bob = team_world.operators["alice"], team_world.operators["bob"]
    seeder = DynamoTeamStore(lambda: alice.client("dynamodb", team_world.endpoint), TABLE, utc_now)
    past = utc_now() - timedelta(minutes=10)
    for n in range(0, ROUNDS, 2):  # half the rounds race to take over an expired lease
        seeder.take_lease(Lease(f"race-{n}", "arn:ghost", "crashed run", past, uuid.uuid4().hex, past))
    spawn = multiprocessing.get_context("spawn")
    barrier, results = spawn.Barrier(2), spawn.Queue()
    contenders = [
        spawn.Process(target=contend, args=(op, team_world.endpoint, TABLE, ROUNDS, barrier, results))
        for op in (alice, bob)
    ]
    for process in contenders:
        process.start()
    outcomes = [results.get(timeout=300) for _ in range(2 * ROUNDS)]
    for process in contenders:
        process.join(60)
        assert process.exitcode == 0
    by_round: dict[int, list[tuple[str, str, str]]] = {}
    for n, name, verdict, holder, _started in outcomes:
        by_round.setdefault(n, []).append((name, verdict, holder))
    assert len(by_round) == ROUNDS
    wins = {"alice": 0, "bob": 0}
    for n, pair in by_round.items():
        winners = [p for p in pair if p[1] == "won"]
        losers = [p for p in pair if p[1] == "refused"]
        assert len(winners) == 1 and len(losers) == 1, (n, pair)
        assert losers[0][2] == winners[0][2], "the refusal names the holder"
        assert seeder.lease(f"race-{n}").holder == winners[0][2]  # type: ignore[union-attr]
        wins[winners[0][0]] += 1
    print(f"lock race: {ROUNDS} rounds, wins {wins}")


def test_a_second_operator_is_refused_with_holder_purpose_and_expiry(make_team: MakeTeam) -> None:
    alice, _ = make_team("alice")
    bob, _ = make_team("bob")
    lease = alice.take("prod-a", "deploy api 1.4")
    with pytest.raises(LockHeld) as refused:
        bob.take("prod-a", "scale web")
    message = str(refused.value)
    assert "arn:aws:iam::999999999999:user/alice" in message
    assert "deploy api 1.4" in message
    assert f"{lease.expires_at:%Y-%m-%d %H:%M:%S}" in message
    assert refused.value.exit_code == 3


def test_only_the_holder_renews_and_releases(make_team: MakeTeam) -> None:
    alice, _ = make_team("alice")
    bob, _ = make_team("bob")
    lease = alice.take("prod-b", "migrate db")
    forged = Lease(
        lease.environment, "arn:aws:iam::999999999999:user/bob", "x", lease.expires_at, "not-it", utc_now()
    )
    with pytest.raises(LeaseLost):
        bob.renew(forged)
    with pytest.raises(LeaseLost):
        bob.release(forged)
    with pytest.raises(LeaseLost):
        bob.release_mine("prod-b")
    renewed = alice.renew(lease)
    assert renewed.expires_at >= lease.expires_at
    alice.release(renewed)
    assert alice.store.lease("prod-b") is None
    bob.take("prod-b", "now mine")


def test_an_expired_lease_can_be_taken_over(make_team: MakeTeam) -> None:
    later = [utc_now()]
    alice, _ = make_team("alice")
    bob, _ = make_team("bob", clock=lambda: later[0])
    alice.take("prod-c", "short job")
    with pytest.raises(LockHeld):
        bob.take("prod-c", "next job")
    later[0] = utc_now() + timedelta(minutes=2)  # the lease lasts 1 minute: its holder was killed
    taken = bob.take("prod-c", "next job")
    held = bob.store.lease("prod-c")
    assert held is not None and (held.token, held.holder) == (taken.token, taken.holder)


def test_breaking_needs_a_reason_and_is_audited_as_intent_and_outcome(
    make_team: MakeTeam, tmp_path: Path
) -> None:
    alice, _ = make_team("alice")
    bob, bob_context = make_team("bob")
    alice.take("prod-d", "stuck deploy")
    with pytest.raises(InvalidInput):
        bob.break_lock("prod-d", "  ")
    broken = bob.break_lock("prod-d", "alice is away and the deploy is stuck")
    assert broken.purpose == "stuck deploy"
    assert bob.store.lease("prod-d") is None
    records = [r for r in bob_context.audit.records() if r.action == "team.break"]
    assert [r.phase for r in records] == ["intent", "outcome"]
    assert records[0].reason == "alice is away and the deploy is stuck"
    assert records[0].details["holder"].endswith("user/alice")
    assert records[1].outcome == "ok"


def test_guard_holds_renews_and_releases(make_team: MakeTeam) -> None:
    import time

    alice, _ = make_team("alice")
    bob, _ = make_team("bob")
    alice.parts = alice.approvals.parts = _short_ttl(alice)
    with alice.guard("prod-e", "runbook restart-api") as lease:
        time.sleep(1.5)  # several renewals at a 1.5 s TTL
        held = alice.store.lease("prod-e")
        assert held is not None and held.token == lease.token and held.expires_at > lease.expires_at
        with pytest.raises(LockHeld):
            bob.take("prod-e", "deploy")
    assert alice.store.lease("prod-e") is None


def test_a_guard_inside_a_guard_of_the_same_console_shares_its_lease(make_team: MakeTeam) -> None:
    """A runbook run holds prod, then its step's change guards prod again: one lease, let go once."""
    alice, _ = make_team("alice")
    bob, _ = make_team("bob")
    env = f"prod-{uuid.uuid4().hex[:6]}"
    with alice.guard(env, "runbook restart-api run r-1") as outer:
        with alice.guard(env, "scale prod/api to 4") as inner:
            assert inner.token == outer.token
        held = alice.store.lease(env)
        assert held is not None and held.token == outer.token, "the inner guard let nothing go"
        assert held.purpose == "runbook restart-api run r-1"
        with pytest.raises(LockHeld):  # another console is still refused
            bob.take(env, "deploy")
    assert alice.store.lease(env) is None


def _short_ttl(team: Team) -> TeamParts:
    import dataclasses

    return dataclasses.replace(team.parts, lease_ttl=timedelta(seconds=1.5))
