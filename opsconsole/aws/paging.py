"""The base of every per-environment AWS reader: its client getter and every page of a list call."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class EnvReader:
    """One AWS service of one environment, with a client getter the role broker keeps fresh."""

    def __init__(self, env_name: str, client: Callable[[], Any]) -> None:
        self.env = env_name
        self._client = client

    def _paginate(self, operation: str, key: str, **kwargs: Any) -> list[Any]:
        """Every item under `key` of every page of `operation`, through botocore's paginator."""
        paginator = self._client().get_paginator(operation)
        return [item for page in paginator.paginate(**kwargs) for item in page.get(key, [])]
