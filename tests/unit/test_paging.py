"""An AWS list call's pages, followed by the readers themselves: every page's items in order, the
service's own token names, and a server that hands a token back twice is an error, not a loop."""

from __future__ import annotations

from typing import Any

import pytest

from opsconsole.aws.ecs import EcsReader
from opsconsole.aws.rds import RdsReader
from opsconsole.domain.errors import BackendError


class PagedClient:
    """Answers `list_services` (ECS tokens) and `describe_db_instances` (RDS markers) in pages."""

    def __init__(self, pages: list[list[str]], *, loop: bool = False) -> None:
        self.pages = pages
        self.loop = loop
        self.asked: list[dict[str, Any]] = []

    def _page(self, given: str | None, asked: dict[str, Any]) -> tuple[list[str], str | None]:
        self.asked.append(asked)
        index = 0 if given is None else int(given)
        following = None if index + 1 >= len(self.pages) else str(0 if self.loop else index + 1)
        return self.pages[index], following

    def list_services(self, **kwargs: Any) -> dict[str, Any]:
        items, following = self._page(kwargs.get("nextToken"), kwargs)
        return {"serviceArns": items, **({"nextToken": following} if following else {})}

    def describe_db_instances(self, **kwargs: Any) -> dict[str, Any]:
        items, following = self._page(kwargs.get("Marker"), kwargs)
        return {"DBInstances": items, **({"Marker": following} if following else {})}


def test_every_page_is_read_in_order_with_the_services_own_tokens() -> None:
    ecs = PagedClient([["a", "b"], ["c"], ["d"]])
    assert EcsReader("dev", lambda: ecs)._paginate("list_services", "serviceArns", cluster="c") == list(
        "abcd"
    )
    assert ecs.asked == [
        {"cluster": "c"},
        {"cluster": "c", "nextToken": "1"},
        {"cluster": "c", "nextToken": "2"},
    ]
    rds = PagedClient([["db1"], ["db2"]])
    assert RdsReader("dev", lambda: rds)._paginate("describe_db_instances", "DBInstances") == ["db1", "db2"]
    assert rds.asked == [{}, {"Marker": "1"}]


def test_a_token_given_twice_ends_the_read_with_an_error() -> None:
    looping = PagedClient([["a"], ["b"], ["c"]], loop=True)
    with pytest.raises(BackendError, match="same page token twice"):
        EcsReader("dev", lambda: looping)._paginate("list_services", "serviceArns")
    assert len(looping.asked) < 5
