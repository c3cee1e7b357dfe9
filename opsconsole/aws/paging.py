"""The base of every per-environment AWS reader: its client getter and every page of a list call."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from opsconsole.domain.errors import BackendError


class EnvReader:
    """One AWS service of one environment, with a client getter the role broker keeps fresh.

    A subclass names its service's page tokens (`TOKENS`: the request's, the answer's)."""

    TOKENS: ClassVar[tuple[str, str]] = ("nextToken", "nextToken")

    def __init__(self, env_name: str, client: Callable[[], Any]) -> None:
        self.env = env_name
        self._client = client

    def _paginate(self, operation: str, key: str, **kwargs: Any) -> list[Any]:
        """Every item under `key` of every page of `operation`.

        The pages are followed here, not by botocore's paginator: loading a service's paginator
        model cost ~10 ms of every process's first list call (and threads asking at once each
        parsed it), for a loop this short.

        Raises:
            BackendError: the service answered a page token it had given before (a loop).
        """
        call = getattr(self._client(), operation)
        asked, answered = self.TOKENS
        items: list[Any] = []
        seen: set[str] = set()
        token: str | None = None
        while True:
            page = call(**kwargs, **({asked: token} if token else {}))
            items.extend(page.get(key, []))
            token = page.get(answered)
            if not token:
                return items
            if token in seen:
                raise BackendError(f"AWS in {self.env}: {operation} gave the same page token twice")
            seen.add(token)
