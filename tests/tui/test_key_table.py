"""The key tables the panes and screens declare their bindings with."""

from __future__ import annotations

from textual.binding import Binding

from opsconsole.domain.action_kinds import ActionKind
from opsconsole.tui.key_table import key_table


def test_a_row_is_a_binding_with_the_prefixed_id_and_an_action_kind_acts() -> None:
    bindings = key_table(
        "ecs",
        ("o", "sort", "Sort", "sort", "Sort by the next column."),
        ("R", ActionKind.ECS_REDEPLOY, "Redeploy", "redeploy", "Force a new deployment."),
        hidden={"sort"},
    )
    assert bindings == [
        Binding("o", "sort", "Sort", id="ecs-sort", show=False, tooltip="Sort by the next column."),
        Binding("R", "act('ecs.redeploy')", "Redeploy", id="ecs-redeploy", tooltip="Force a new deployment."),
    ]
