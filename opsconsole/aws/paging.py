"""The base of every per-environment AWS reader: its client getter and every page of a list call."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

_FIRST_PAGINATOR = threading.Lock()
"""botocore's loader caches a paginator model, but threads asking at once each parse it: three
environments read in parallel parsed ECS's three times (~30 ms each, side by side)."""


class EnvReader:
    """One AWS service of one environment, with a client getter the role broker keeps fresh."""

    def __init__(self, env_name: str, client: Callable[[], Any]) -> None:
        self.env = env_name
        self._client = client

    def _paginate(self, operation: str, key: str, **kwargs: Any) -> list[Any]:
        """Every item under `key` of every page of `operation`, through botocore's paginator."""
        client = self._client()
        with _FIRST_PAGINATOR:  # the first parse fills the loader's cache; the others read it
            paginator = client.get_paginator(operation)
        return [item for page in paginator.paginate(**kwargs) for item in page.get(key, [])]
