"""Graylog of an environment: its streams, searches, live tails and counts."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import timedelta
from typing import Protocol, Unpack

from opsconsole.app.context import AppContext
from opsconsole.app.fanout import fan_out
from opsconsole.domain.errors import ConfigError, OpsError
from opsconsole.domain.logs import CountsLate, LogMessage, SearchOptions, SearchResult, SearchWindow, Stream
from opsconsole.graylog.tail import LogTail


class Follower(Protocol):
    """A live tail as MergedTail and the log pane drive it: one poll per round, at the interval it
    suggests (LogTail, MergedTail)."""

    @property
    def interval(self) -> float: ...

    def poll(self) -> list[LogMessage]: ...


class MergedTail:
    """Several environments' tails as one, polled in parallel through the one fan-out and merged by
    time; a failing environment is named in `errors` and the others go on."""

    def __init__(self, tails: Mapping[str, Follower]) -> None:
        self.tails = dict(tails)
        self.errors: dict[str, str] = {}

    @property
    def interval(self) -> float:
        return min(t.interval for t in self.tails.values())

    @property
    def late(self) -> int:
        """The environments' late messages together (those whose tails count them)."""
        return sum(t.late for t in self.tails.values() if isinstance(t, CountsLate))

    def poll(self) -> list[LogMessage]:
        batch: list[LogMessage] = []
        for env_name, result in fan_out(list(self.tails), lambda env: self.tails[env].poll()):
            if isinstance(result, OpsError):
                self.errors[env_name] = result.message
            else:
                self.errors.pop(env_name, None)
                batch += result
        batch.sort(key=lambda m: m.timestamp)
        return batch


class Logs:
    """Reads scoped to the environment's `graylog.streams` (every message stream when it names none)."""

    def __init__(self, context: AppContext) -> None:
        self._context = context
        self._streams: dict[str, list[Stream]] = {}
        self._lock = threading.Lock()

    def streams(self, env_name: str) -> list[Stream]:
        """The environment's Graylog streams, by title or id.

        Raises:
            ConfigError: a configured stream does not exist on the server; lists the ones that do.
        """
        env = self._context.environment(env_name)
        with self._lock:
            cached = self._streams.get(env_name)
        if cached is not None:
            return cached
        streams = self._context.guard("graylog", env_name, lambda: self._context.backends.graylog().streams())
        chosen = (
            streams
            if not env.graylog_streams
            else [self._stream(env_name, n, streams) for n in env.graylog_streams]
        )
        with self._lock:
            self._streams[env_name] = chosen
        return chosen

    @staticmethod
    def _stream(env_name: str, name: str, streams: list[Stream]) -> Stream:
        stream = next((s for s in streams if name in (s.id, s.title)), None)
        if stream is None:
            known = ", ".join(s.title for s in streams) or "none"
            raise ConfigError(
                f"environments.{env_name}.graylog.streams names {name!r}, which Graylog does not have",
                hint=f"streams the token can read: {known}",
            )
        return stream

    def _stream_ids(self, env_name: str) -> list[str]:
        if not self._context.environment(env_name).graylog_streams:
            return []  # no scoping: every message stream
        return [s.id for s in self.streams(env_name)]

    def search(self, env_name: str, query: str = "*", **window: Unpack[SearchWindow]) -> SearchResult:
        """Newest first, within the environment's streams (see SearchWindow for the window). The
        stream lookup and the search share one deadline (`graylog.deadline`)."""

        def search() -> SearchResult:
            client = self._context.backends.graylog()
            with client.budget():
                return client.search(query, streams=self._stream_ids(env_name), **window)

        return self._context.guard("graylog", env_name, search)

    def tail(
        self,
        env_name: str,
        query: str = "*",
        *,
        backlog: timedelta = timedelta(0),
        late_window: timedelta | None = None,
    ) -> LogTail:
        """A live tail of the environment's streams from `backlog` ago on (poll() or follow()); it looks
        back `late_window` (`graylog.late_window` by default) for late messages and counts later ones."""
        window = late_window or timedelta(seconds=self._context.settings.graylog.late_window)
        return LogTail(
            _Guarded(self._context, env_name),
            query,
            streams=self._stream_ids(env_name),
            backlog=backlog,
            overlap=window,
            max_interval=self._context.settings.graylog.tail_max_interval,
        )

    def merged_tail(
        self, env_names: list[str], query: str = "*", *, backlog: timedelta = timedelta(0)
    ) -> MergedTail:
        """One tail over several environments (the all-environments view)."""
        return MergedTail({env: self.tail(env, query, backlog=backlog) for env in env_names})

    def count(self, env_name: str, query: str, window: timedelta) -> int:
        """How many of the environment's messages match `query` in the last `window` (runbooks)."""
        return self.search(env_name, query, since=window, limit=1).total


class _Guarded:
    """A tail's searcher whose every search goes through the environment's Graylog circuit."""

    def __init__(self, context: AppContext, env_name: str) -> None:
        self._context = context
        self._env_name = env_name

    def search(self, query: str = "*", **options: Unpack[SearchOptions]) -> SearchResult:
        client = self._context.backends.graylog()
        return self._context.guard("graylog", self._env_name, lambda: client.search(query, **options))
