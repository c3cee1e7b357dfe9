"""The ECS filter's texts: made once per row, again only for a row read again."""

from __future__ import annotations

from rich.text import Text

from opsconsole.tui.widgets.ecs_rows import searched_texts


def test_a_row_passed_on_keeps_its_text_and_a_row_read_again_gets_a_new_one() -> None:
    kept, changed = ("svc-0001", 2, Text("2")), ("svc-0002", 1, Text("0", style="bold red"))
    first = searched_texts({"svc-0001": kept, "svc-0002": changed, "svc-0003": ("svc-0003", 0)}, {})
    assert first["svc-0002"] == (changed, "svc-0002 1 0")
    again = ("svc-0002", 3, Text("3"))
    second = searched_texts({"svc-0001": kept, "svc-0002": again}, first)
    assert second["svc-0001"] is first["svc-0001"]
    assert second["svc-0002"] == (again, "svc-0002 3 3")
    assert list(second) == ["svc-0001", "svc-0002"]  # a row gone takes its text with it
    assert searched_texts({"svc-0001": ("SVC-0001", 2)}, second)["svc-0001"][1] == "svc-0001 2"
