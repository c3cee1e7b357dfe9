"""The team in the TUI: an approval another operator waits for is told once, with the command that
gives it; the operator's own runs are not; a lock someone else holds on the environment shown is
told when the operator enters it. Alone (no team) nothing is read."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from opsconsole.domain.team import ApprovalBinding, ApprovalRequest, Lease, TeamView
from opsconsole.tui.app import OpsConsoleApp
from opsconsole.tui.controllers.team import TeamWatch
from tests.tui.fakes import NOW, FakeTeam, FrozenConsole

BOB = "arn:aws:iam::999999999999:user/bob"
ALICE = "arn:aws:iam::999999999999:user/alice"  # FrozenConsole's identity


def request(run: str, starter: str) -> ApprovalRequest:
    return ApprovalRequest(
        ApprovalBinding(run, "scale", "d" * 64), "prod", "scale prod/api to 4", starter, NOW
    )


async def settle(pilot: Any) -> None:
    await pilot.pause(0.2)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def told(app: OpsConsoleApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_the_team_tells_of_approvals_wanted_and_of_a_lock_on_the_environment() -> None:
    console = FrozenConsole()
    lock = Lease("prod", BOB, "deploy api 1.4", NOW + timedelta(minutes=15), "t", NOW)
    console.team = FakeTeam(
        TeamView(locks=(lock,), approvals=(request("run-b", BOB), request("run-a", ALICE)))
    )
    app = OpsConsoleApp(console)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        wanted = [m for m in told(app) if "runbook approve" in m]
        assert wanted == [f"{BOB} asks in prod: scale prod/api to 4\nopsconsole runbook approve run-b scale"]
        assert not any("is locked" in m for m in told(app)), "the lock is prod's; dev is shown"
        await pilot.press("3")  # prod
        await settle(pilot)
        locked = [m for m in told(app) if "is locked" in m]
        assert locked and f"prod is locked by {BOB}: deploy api 1.4" in locked[0]
        app.screen.query_one(TeamWatch).read()  # the next refresh tells nothing again
        await settle(pilot)
        assert len([m for m in told(app) if "runbook approve" in m or "is locked" in m]) == 2
