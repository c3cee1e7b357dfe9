"""The ECS filter's texts: made once per row, again only for a row read again; a big cluster's
services read in stages."""

from __future__ import annotations

from typing import Any, cast

from rich.text import Text

from opsconsole.domain.ecs import EcsService
from opsconsole.tui.widgets.ecs_rows import ALL_ROWS_UP_TO, REST_PART, searched_texts, service_stages


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


class ManyServices:
    """A fleet with `count` services in one cluster, recording what each call asked for."""

    def __init__(self, count: int) -> None:
        self.names = [f"svc-{n:04d}" for n in range(count, 0, -1)]  # listed out of name order
        self.described: list[int] = []
        self.metrics_for: list[list[str]] = []

    def service_names(self, env_name: str, cluster: str) -> list[str]:
        return list(self.names)

    def services(self, env_name: str, cluster: str, names: list[str] | None = None) -> list[EcsService]:
        wanted = self.names if names is None else names
        self.described.append(len(wanted))
        return [
            EcsService(env_name, cluster, n, f"arn:{n}", "ACTIVE", 2, 2, 0, f"arn:td/{n}:3", "EC2", "REPLICA")
            for n in wanted
        ]

    def service_metrics(self, env_name: str, cluster: str, names: list[str], span: Any) -> dict[str, Any]:
        self.metrics_for.append(list(names))
        return {n: {"CPUUtilization": [12.0]} for n in names}


def test_a_big_cluster_opens_with_its_first_screen_of_services_then_the_rest() -> None:
    fleet = ManyServices(250)
    stages = list(service_stages(cast(Any, fleet), "dev", "dev-cluster", (), {}))
    assert [s.final for s in stages] == [False, True]
    first, last = stages[0].data, stages[1].data
    assert list(first) == sorted(fleet.names)[:ALL_ROWS_UP_TO]  # the table's first screen, by name
    assert len(last) == 250 and all(last[n] == first[n] for n in first)  # the head is not read twice
    assert fleet.described == [ALL_ROWS_UP_TO, 250 - ALL_ROWS_UP_TO]
    assert fleet.metrics_for[0] == sorted(fleet.names)[:ALL_ROWS_UP_TO]


def test_the_rest_of_a_very_big_cluster_comes_in_parts_each_shown() -> None:
    fleet = ManyServices(1250)
    stages = list(service_stages(cast(Any, fleet), "dev", "dev-cluster", (), {}))
    assert [len(s.data) for s in stages] == [100, 600, 1100, 1250]
    assert [s.final for s in stages] == [False, False, False, True]
    assert fleet.described == [ALL_ROWS_UP_TO, REST_PART, REST_PART, 150]
    assert list(stages[-1].data) == fleet.names  # in the order the cluster lists them


def test_a_small_cluster_and_a_refresh_answer_in_one_stage() -> None:
    small = ManyServices(ALL_ROWS_UP_TO)
    assert [s.final for s in service_stages(cast(Any, small), "dev", "c", (), {})] == [True]
    big = ManyServices(250)
    *_, shown = service_stages(cast(Any, big), "dev", "c", (), {})
    big.described.clear()
    again = list(service_stages(cast(Any, big), "dev", "c", ("svc-0001",), shown.data))
    assert [s.final for s in again] == [True] and big.described == [1]  # only the row on screen
