"""The team in the TUI: the header names who holds the lock on the environment shown, why and
when it expires (read by a worker, counted down from the console's clock); `T` and the palette
open the team screen, the same view as `opsconsole team`. The team store is a fake view here
(simulated); the view itself is tested on moto in test_team_cli.py."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from textual.widgets import DataTable, Label

from opsconsole.domain.team import ApprovalBinding, ApprovalRequest, Lease, RunState, TeamAction, TeamView
from opsconsole.tui.app import OpsConsoleApp
from opsconsole.tui.screens.team import TeamScreen
from tests.tui.fakes import NOW, FakeTeam, FrozenConsole

BOB = "arn:aws:iam::999999999999:user/bob"
ALICE = "arn:aws:iam::999999999999:user/alice"  # FrozenConsole's identity


def _view(holder: str = BOB) -> TeamView:
    lock = Lease("prod", holder, "deploy api 1.4", NOW + timedelta(minutes=4, seconds=30), "t", NOW)
    request = ApprovalRequest(
        ApprovalBinding("run-b", "ok", "d" * 64),
        "prod",
        "scale [ecs.update_service(desiredCount=4)]",
        BOB,
        NOW,
    )
    run = RunState("run-b", "prod", BOB, "waiting", NOW, "ok", "signed-approval")
    action = TeamAction("prod", NOW, BOB, "ecs.scale", "ok", "rec-1")
    return TeamView(locks=(lock,), approvals=(request,), runs=(run,), actions=(action,))


async def _settle(pilot: Any) -> None:
    await pilot.pause(0.2)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def _lock_text(app: OpsConsoleApp) -> tuple[str, bool]:
    label = app.screen.query_one("#lock", Label)
    return str(label.render()), label.has_class("locked")


async def test_the_header_names_the_holder_purpose_and_expiry_of_the_environment_shown() -> None:
    console = FrozenConsole()
    console.team = FakeTeam(_view())
    app = OpsConsoleApp(console)
    async with app.run_test(size=(200, 40)) as pilot:
        await _settle(pilot)
        assert _lock_text(app)[1] is False, "dev is shown; the lock is prod's"
        await pilot.press("3")  # prod
        await _settle(pilot)
        text, shown = _lock_text(app)
        assert shown and text == "locked by bob: deploy api 1.4 · 04:30"
        console.team.shown = _view(ALICE)  # the next read: alice (this operator) holds it
        app.screen.query_one("#team-watch").read()  # type: ignore[attr-defined]
        await _settle(pilot)
        assert _lock_text(app)[0].startswith("locked by you: ")
        console.team.shown = TeamView()  # released
        app.screen.query_one("#team-watch").read()  # type: ignore[attr-defined]
        await _settle(pilot)
        assert _lock_text(app)[1] is False


@pytest.mark.parametrize(("size", "shown"), [((80, 24), "lock bob 5m"), ((140, 36), "locked by bob · 04:30")])
async def test_narrower_headers_keep_the_lock_short(size: tuple[int, int], shown: str) -> None:
    """At 80 columns whole minutes (4:30 left: 5m); below 180 no purpose, so the tabs keep room."""
    console = FrozenConsole()
    console.team = FakeTeam(_view())
    app = OpsConsoleApp(console)
    async with app.run_test(size=size) as pilot:
        await pilot.press("3")
        await _settle(pilot)
        assert _lock_text(app) == (shown, True)


async def test_T_opens_the_team_screen_with_the_views_four_parts() -> None:
    console = FrozenConsole()
    console.team = FakeTeam(_view())
    app = OpsConsoleApp(console)
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(pilot)
        await pilot.press("T")
        await _settle(pilot)
        assert isinstance(app.screen, TeamScreen)
        cells = {
            part: [[str(c) for c in app.screen.query_one(f"#team-{part}", DataTable).get_row_at(0)]]
            for part in ("locks", "approvals", "runs", "actions")
        }
        assert cells["locks"][0][:3] == ["prod", "bob", "deploy api 1.4"]
        assert cells["approvals"][0][-2:] == [
            "scale [ecs.update_service(desiredCount=4)]",  # data, not markup
            "opsconsole runbook approve run-b ok",
        ]
        assert cells["runs"][0][2:] == ["waiting", "bob", "ok", "signed-approval"]
        assert cells["actions"][0][3:] == ["ecs.scale", "ok"]
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, TeamScreen)
        await pilot.press("T")  # the installed screen opens again
        await _settle(pilot)
        assert isinstance(app.screen, TeamScreen)


async def test_alone_the_team_screen_says_how_to_configure_one() -> None:
    app = OpsConsoleApp(FrozenConsole())
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(pilot)
        app.screen.query_one("#team-watch").open()  # type: ignore[attr-defined]  # the palette's entry
        await _settle(pilot)
        state = str(app.screen.query_one("#team-state", Label).render())
        assert "no team store is configured" in state and "[team] table" in state
