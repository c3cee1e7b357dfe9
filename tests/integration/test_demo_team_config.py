"""`opsconsole demo` opens its console on the config written before the world is up (it paints
while moto starts): that config already names the team table, or the TUI would run with no team
(a typed name approving a prod change, no lock taken) while the world has one."""

from __future__ import annotations

from opsconsole.config import load_settings
from opsconsole.demo.team import APPROVERS_GROUP, TEAM_TABLE
from opsconsole.demo.world import DemoWorld


def test_the_config_a_console_opens_on_before_the_world_is_up_has_the_team() -> None:
    world = DemoWorld(deploy_stacks=False)
    try:
        settings = load_settings(world.prepare(), environ={})
    finally:
        world.stop()
    assert settings.team.table == TEAM_TABLE
    assert settings.team.approver_groups == (APPROVERS_GROUP,)
