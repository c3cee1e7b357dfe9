"""Every page of a list call, through botocore's paginators."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def paginate(client: Callable[[], Any], operation: str, key: str, **kwargs: Any) -> list[Any]:
    paginator = client().get_paginator(operation)
    return [item for page in paginator.paginate(**kwargs) for item in page.get(key, [])]
