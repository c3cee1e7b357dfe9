"""Linked panes on the frozen world: the selection drives the log and problem panes, and back."""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable, Input, Label, Log

from opsconsole.tui.app import OpsConsoleApp
from opsconsole.tui.screens.problem_action import ProblemActionScreen
from opsconsole.tui.widgets.ecs_pane import EcsPane
from opsconsole.tui.widgets.log_pane import LogPane
from opsconsole.tui.widgets.problems_pane import ProblemsPane
from tests.tui.fakes import FrozenConsole

SIZE = (160, 48)


async def settle(pilot: Any, seconds: float = 0.0) -> None:
    if seconds:
        await pilot.pause(seconds)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def problem_keys(app: OpsConsoleApp) -> list[str]:
    table = app.screen.query_one("#problems-table", DataTable)
    return [str(k.value) for k in table.rows]


def log_lines(app: OpsConsoleApp) -> list[str]:
    return list(app.screen.query_one("#log-view", Log).lines)


async def open_dev_services(pilot: Any) -> None:
    await settle(pilot)
    await pilot.press("enter")  # dev-cluster -> its services; the cursor rests on api
    await settle(pilot, 0.5)


async def test_selecting_a_service_narrows_logs_and_problems_and_l_unlinks() -> None:
    app = OpsConsoleApp(FrozenConsole())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 0.2)
        assert len(problem_keys(app)) == 5
        everything = log_lines(app)
        assert {"dev/api", "dev/web", "dev/worker"} <= {line.split()[2] for line in everything}

        await open_dev_services(pilot)
        # api's problems: tagged service=api, or on the instance its task runs on.
        assert problem_keys(app) == ["901"]
        lines = log_lines(app)
        assert lines and all(line.split()[2] == "dev/api" for line in lines)
        indicator = str(app.screen.query_one("#link-indicator").render())
        assert "linked to dev / api" in indicator

        await pilot.press("down")  # web: the panes follow the cursor once it rests
        await settle(pilot, 0.5)
        assert problem_keys(app) == ["904", "905"]
        assert all(line.split()[2] == "dev/web" for line in log_lines(app))

        await pilot.press("l")  # unlink: both panes show the whole environment again
        await settle(pilot, 0.2)
        assert len(problem_keys(app)) == 5
        assert len(log_lines(app)) == len(everything)
        assert "links off" in str(app.screen.query_one("#link-indicator").render())


async def test_choosing_a_problem_selects_its_database_or_service() -> None:
    app = OpsConsoleApp(FrozenConsole())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 0.2)
        table = app.screen.query_one("#problems-table", DataTable)
        table.focus()
        table.move_cursor(row=table.get_row_index("902"))  # High CPU on dev-db
        await pilot.press("enter")
        await settle(pilot, 0.5)
        rds = app.screen.query_one("#rds-table", DataTable)
        assert rds.has_focus
        assert str(rds.coordinate_to_cell_key(rds.cursor_coordinate).row_key.value) == "dev-db"

        table.focus()
        await pilot.press("l")  # links off, so choosing a service's problem does not narrow the pane
        table.move_cursor(row=table.get_row_index("904"))  # web: 5xx rate
        await pilot.press("enter")
        await settle(pilot, 0.5)
        ecs = app.screen.query_one("#ecs-table", DataTable)
        assert ecs.has_focus
        assert str(ecs.coordinate_to_cell_key(ecs.cursor_coordinate).row_key.value) == "web"


async def test_multi_select_acknowledge_sends_one_call_for_the_marked_problems() -> None:
    services = FrozenConsole()
    app = OpsConsoleApp(services)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 0.2)
        table = app.screen.query_one("#problems-table", DataTable)
        table.focus()
        table.move_cursor(row=0)
        await pilot.press("space", "space")  # mark the first two rows
        assert len(app.screen.query_one(ProblemsPane).marked) == 2
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, ProblemActionScreen)
        await pilot.press(*"restarting api, see INC-42")
        await pilot.press("enter")
        await settle(pilot)
        assert len(services.problem_calls) == 1
        env, eventids, options = services.problem_calls[0]
        assert env == "dev"
        assert sorted(eventids) == sorted(problem_keys(app)[:2]) or len(eventids) == 2
        assert options["acknowledge"] is True
        assert options["message"] == "restarting api, see INC-42"
        assert not app.screen.query_one(ProblemsPane).marked


async def test_acknowledge_in_prod_needs_the_typed_name() -> None:
    services = FrozenConsole()
    app = OpsConsoleApp(services, initial_env="prod")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 0.2)
        app.screen.query_one("#problems-table", DataTable).focus()
        await pilot.press("a")
        await settle(pilot)
        await pilot.press(*"on it", "enter")  # no typed name yet: nothing is sent, and it says why
        await settle(pilot)
        assert services.problem_calls == []
        refused = str(app.screen.query_one("#refused", Label).render())
        assert refused.startswith("nothing typed: type the environment's name exactly")
        await pilot.press("tab", *"prd", "enter")
        await settle(pilot)
        assert services.problem_calls == []
        assert str(app.screen.query_one("#refused", Label).render()).startswith("“prd” is not “prod”")
        await pilot.press("backspace", "backspace", *"rod", "enter")
        await settle(pilot)
        assert [call[0] for call in services.problem_calls] == ["prod"]


async def test_zabbix_down_marks_only_the_problem_pane_stale_and_it_recovers() -> None:
    services = FrozenConsole()
    services.zabbix_down = True
    app = OpsConsoleApp(services)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 0.2)
        pane = app.screen.query_one(ProblemsPane)
        assert pane.has_class("stale")
        assert "unreachable" in str(app.screen.query_one("#problems-state").render())
        assert not app.screen.query_one("#ecs-pane").has_class("stale")
        assert log_lines(app)  # the log pane keeps working
        services.zabbix_down = False
        pane.refresh_rows()
        await settle(pilot)
        assert not pane.has_class("stale")
        assert len(problem_keys(app)) == 5


async def test_log_pane_pause_filters_and_bounded_buffer() -> None:
    app = OpsConsoleApp(FrozenConsole())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 0.2)
        pane = app.screen.query_one(LogPane)
        app.screen.query_one("#log-view").focus()
        total = len(log_lines(app))
        await pilot.press("plus", *"timed out", "enter")
        assert log_lines(app) and all("timed out" in line for line in log_lines(app))
        await pilot.press("plus", "ctrl+u", "enter")  # an empty include clears it
        await pilot.press("minus", *"GET", "enter")
        assert log_lines(app) and not any("GET" in line for line in log_lines(app))
        await pilot.press("minus", "ctrl+u", "enter")
        assert len(log_lines(app)) == total
        await pilot.press("p")
        assert pane.paused and "paused" in str(app.screen.query_one("#log-state").render())
        await pilot.press("p")
        assert not pane.paused
        assert pane.buffer.maxlen is not None and pane.buffer.maxlen <= 10_000


def test_problems_pane_snapshot(snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot, 0.2)
        await pilot.press("3")
        await settle(pilot, 0.2)

    assert snap_compare(OpsConsoleApp(FrozenConsole()), terminal_size=SIZE, run_before=run_before)


def test_acknowledge_modal_snapshot(snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot, 0.2)
        await pilot.press("3")
        await settle(pilot, 0.2)
        app = pilot.app
        app.screen.query_one("#problems-table", DataTable).focus()
        await pilot.press("space", "space", "a")
        await settle(pilot)
        pilot.app.screen.query_one("#message", Input).cursor_blink = False  # a steady cursor under load
        await pilot.press(*"rolling back api, INC-42")

    assert snap_compare(OpsConsoleApp(FrozenConsole()), terminal_size=SIZE, run_before=run_before)


async def test_palette_opens_a_database_by_name_and_links_the_panes() -> None:
    app = OpsConsoleApp(FrozenConsole())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 0.2)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"open database dev-db")
        await settle(pilot, 0.3)
        await pilot.press("enter")
        await settle(pilot, 0.3)
        rds = app.screen.query_one("#rds-table", DataTable)
        assert rds.has_focus
        assert problem_keys(app) == ["902"]  # only the database's problem
        assert "linked to dev / dev-db" in str(app.screen.query_one("#link-indicator").render())


async def test_timeline_of_a_service_lists_newest_first_and_jumps_to_a_problem() -> None:
    from opsconsole.tui.screens.timeline import TimelineScreen

    app = OpsConsoleApp(FrozenConsole())
    async with app.run_test(size=SIZE) as pilot:
        await open_dev_services(pilot)  # linked to dev / api
        await pilot.press("t")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TimelineScreen)
        times = [e.at for e in screen.entries]
        assert times == sorted(times, reverse=True)
        sources = {e.source for e in screen.entries}
        assert {"ecs", "task", "zabbix", "graylog"} <= sources
        table = screen.query_one(DataTable)
        row = next(i for i, e in enumerate(screen.entries) if e.source == "zabbix")
        table.move_cursor(row=row)
        await pilot.press("enter")
        await settle(pilot)
        problems = app.screen.query_one("#problems-table", DataTable)
        assert problems.has_focus
        assert str(problems.coordinate_to_cell_key(problems.cursor_coordinate).row_key.value) == "901"


async def test_all_environments_one_account_failing_marks_only_its_rows() -> None:
    from opsconsole.tui.screens.all_envs import AllEnvironmentsScreen
    from opsconsole.tui.widgets.fleet_table import FleetTable

    services = FrozenConsole()
    app = OpsConsoleApp(services)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 0.2)
        await pilot.press("0")
        await settle(pilot, 0.3)
        screen = app.screen
        assert isinstance(screen, AllEnvironmentsScreen)
        tables = {t.kind: t for t in screen.query(FleetTable)}
        for table in tables.values():
            assert all(table.rows_of(env) for env in ("dev", "staging", "prod")), table.kind
            assert not table.stale_envs()
        lines = log_lines(app)
        assert {line.split()[2].split("/")[0] for line in lines} == {"dev", "staging", "prod"}

        services.down = frozenset({"staging"})  # staging's account stops answering
        screen.action_refresh_all()
        await settle(pilot, 0.3)
        for table in tables.values():
            assert table.stale_envs() == {"staging"}, table.kind
            assert table.rows_of("staging"), "the failing account keeps its last rows"
            grid = table.query_one(DataTable)
            staging_badges = {str(grid.get_row(k)[0]) for k in table.rows_of("staging")}
            prod_badges = {str(grid.get_row(k)[0]) for k in table.rows_of("prod")}
            assert staging_badges == {"staging ⚠"}
            assert prod_badges == {"prod"}
        assert "staging stale" in str(tables["services"].query_one(".fleet-state").render())

        db_table = tables["databases"].query_one(DataTable)
        db_table.focus()
        db_table.move_cursor(row=db_table.get_row_index("prod|prod-db"))
        await pilot.press("enter")  # opens in prod, the database selected and linked
        await settle(pilot, 0.5)
        main = app.screen
        assert getattr(main, "current_env", None) == "prod"
        assert "linked to prod / prod-db" in str(main.query_one("#link-indicator").render())


def test_all_environments_snapshot(snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot, 0.2)
        await pilot.press("0")
        await settle(pilot, 0.3)

    assert snap_compare(OpsConsoleApp(FrozenConsole()), terminal_size=SIZE, run_before=run_before)


async def test_maintenance_for_the_linked_service_covers_its_hosts() -> None:
    services = FrozenConsole()
    app = OpsConsoleApp(services)
    async with app.run_test(size=SIZE) as pilot:
        await open_dev_services(pilot)  # linked to dev / api
        await pilot.press("M")
        await settle(pilot, 0.3)
        await pilot.click("#go")  # dev is not protected: a plain confirmation
        await settle(pilot, 0.3)
        maintenance = [call for call in services.problem_calls if "maintenance" in call[2]]
        assert len(maintenance) == 1
        env, hostids, options = maintenance[0]
        assert env == "dev" and hostids == ["10500"]  # the host of the instance api runs on
        assert "dev/service/dev-cluster/api (its running tasks): " in str(options["maintenance"])


async def test_read_only_hides_every_change_and_the_palette_turns_it_on() -> None:
    services = FrozenConsole()
    app = OpsConsoleApp(services)
    async with app.run_test(size=SIZE) as pilot:
        await open_dev_services(pilot)
        assert app.screen.query_one("#ecs-pane").check_action("act", ("redeploy",))
        app.toggle_read_only()
        await settle(pilot)
        assert not app.screen.query_one("#ecs-pane").check_action("act", ("redeploy",))
        assert not app.screen.query_one(ProblemsPane).check_action("act", ("acknowledge",))
        await pilot.press("R")  # redeploy: hidden, so nothing is planned
        app.screen.query_one("#problems-table", DataTable).focus()
        await pilot.press("a")  # acknowledge: hidden too
        await settle(pilot, 0.3)
        assert services.actions == [] and services.problem_calls == []
        assert not any(key == "R" for key in app.screen.active_bindings)


async def test_switching_environment_broadcasts_and_drops_the_link() -> None:
    """The screen holds the environment and the link; the panes follow both (data_bind)."""
    app = OpsConsoleApp(FrozenConsole())
    async with app.run_test(size=SIZE) as pilot:
        await open_dev_services(pilot)  # linked to dev / api
        problems, logs = app.screen.query_one(ProblemsPane), app.screen.query_one(LogPane)
        assert problems.scope_label == logs.link_label == "dev / api"
        await pilot.press("3")
        await settle(pilot, 0.3)
        assert problems.env_name == logs.env_name == app.screen.query_one(EcsPane).env_name == "prod"
        assert problems.scope_label is None and logs.link_label is None
        assert problems.linked_to is None and logs.linked_to is None
        assert set(problem_keys(app)) == {"901", "902", "903", "904", "905"}  # all of prod's
        assert "prod · all" in str(app.screen.query_one("#link-indicator").render())


def ecs_keys(app: OpsConsoleApp) -> list[str]:
    return [str(k.value) for k in app.screen.query_one("#ecs-table", DataTable).rows]


def ecs_cursor_key(app: OpsConsoleApp) -> str:
    table = app.screen.query_one("#ecs-table", DataTable)
    return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)


async def test_sorting_and_filtering_keep_the_cursor_on_the_linked_service_and_the_order() -> None:
    app = OpsConsoleApp(FrozenConsole())
    async with app.run_test(size=SIZE) as pilot:
        await open_dev_services(pilot)
        pane = app.screen.query_one(EcsPane)
        by_name = ecs_keys(app)
        assert by_name == sorted(by_name) and ecs_cursor_key(app) == "api"
        await pilot.press("o")  # sorted by the next column: the rows move, the cursor stays on api
        await settle(pilot, 0.3)
        column = pane.sort_column
        assert column == 1
        values = [str(pane.rows[k][column]) for k in ecs_keys(app)]
        assert values == sorted(values, key=lambda v: (0, int(v)) if v.isdigit() else (1, v))
        assert ecs_cursor_key(app) == "api"
        assert "linked to dev / api" in str(app.screen.query_one("#link-indicator").render())
        sorted_order = ecs_keys(app)
        await pilot.press("/", "w", "o", "r", "enter")
        await settle(pilot, 0.3)
        assert ecs_keys(app) == ["worker"]
        await pilot.press("escape")  # the filter is cleared: every row again, in the sorted order
        await settle(pilot, 0.3)
        assert ecs_keys(app) == sorted_order


async def test_ctrl_c_quits_as_q_does() -> None:
    app = OpsConsoleApp(FrozenConsole())
    async with app.run_test(size=SIZE) as pilot:
        await open_dev_services(pilot)
        assert app.is_running
        await pilot.press("ctrl+c")
        await pilot.pause(0.3)
        assert not app.is_running  # inside the test's own run: its end would stop the app anyway


async def test_the_acknowledge_modal_fits_80_columns() -> None:
    from textual.containers import Vertical

    app = OpsConsoleApp(FrozenConsole())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, 0.2)
        await pilot.press("3")
        await settle(pilot, 0.2)
        app.screen.query_one("#problems-table", DataTable).focus()
        await pilot.press("space", "a")
        await settle(pilot)
        assert isinstance(app.screen, ProblemActionScreen)
        frame = app.screen.query_one(Vertical).region
        assert frame.x >= 0 and frame.right <= 80  # its right edge and Escape hint are on screen
