"""The team in the TUI: an approval another operator waits for is told once, with the command that
gives it; the operator's own runs are not; a lock someone else holds on the environment shown is
told when the operator enters it. Alone (no team) nothing is read; with one, nothing before the
panes have filled the first screen."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from opsconsole.domain.team import ApprovalBinding, ApprovalRequest, Lease, TeamView
from opsconsole.tui.app import OpsConsoleApp
from opsconsole.tui.controllers.team import TeamWatch
from tests.tui.fakes import NOW, FakeRds, FakeTeam, FrozenConsole

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


class HeldPanes(FrozenConsole):
    """RDS answers only when the test lets it: the first screen is not filled until then."""

    def __init__(self) -> None:
        super().__init__()
        self.panes_may_answer = threading.Event()

    def rds(self, env_name: str) -> FakeRds:
        assert self.panes_may_answer.wait(10), "the test never let the panes answer"
        return super().rds(env_name)


class CountingTeam(FakeTeam):
    def __init__(self) -> None:
        super().__init__(TeamView())
        self.reads = 0

    def view(self) -> TeamView:
        self.reads += 1
        return super().view()


async def test_the_team_store_is_read_once_the_panes_have_filled_the_screen_not_before() -> None:
    console = HeldPanes()
    console.team = team = CountingTeam()
    app = OpsConsoleApp(console)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.5)
        assert team.reads == 0, "the team read competed with the panes' first reads"
        console.panes_may_answer.set()
        await settle(pilot)
        assert team.reads == 1, "one read on entering the environment (not one on mount as well)"
