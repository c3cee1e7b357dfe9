"""A container's ref names its task: it prints and parses back whole, its label is short, and its
links narrow the logs to the container within its task."""

from __future__ import annotations

import pytest

from opsconsole.domain.errors import InvalidInput
from opsconsole.domain.resources import ResourceKind, ResourceRef
from opsconsole.links import Linker
from tests.tui.fakes import demo_like_settings

TASK = "5b73279a-f11a-4e5a-95ff-2abc47c4497b"


def test_a_container_ref_round_trips_and_reads_short() -> None:
    ref = ResourceRef("prod", ResourceKind.CONTAINER, "api", cluster="prod-cluster", task=TASK)
    assert str(ref) == f"prod/container/prod-cluster/{TASK}/api"
    assert ResourceRef.parse(str(ref)) == ref
    assert ResourceRef.parse(f"prod/container/{TASK}/api") == ResourceRef(
        "prod", ResourceKind.CONTAINER, "api", task=TASK
    )
    assert ref.label == "prod / task 5b73279a › api"
    assert ResourceRef("prod", ResourceKind.TASK, TASK).label == "prod / task 5b73279a"
    with pytest.raises(InvalidInput):
        ResourceRef.parse("prod/container/api")


def test_a_container_links_to_its_own_log_lines_and_its_tasks_console_page() -> None:
    settings = demo_like_settings()
    ref = ResourceRef("prod", ResourceKind.CONTAINER, "api", cluster="prod-cluster", task=TASK)
    links = Linker().links(ref, settings.environment("prod"))
    assert links.log_query == f"env:prod AND task_id:{TASK} AND container_name:api"
    assert links.problems.tags == (("task_id", TASK),)
    assert f"/tasks/{TASK}/containers" in (links.console_url or "")
