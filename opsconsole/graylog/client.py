"""A thin REST client for Graylog 5.0.3 through 7.x, on the endpoints every one of them serves
(reference/graylog-facts.md section 12.1): `GET /api/` for the version, `GET /api/streams`, and the
universal search (`/api/search/universal/{relative,absolute}`), which Graylog's own web UI still
calls in 7.x. Only GETs: no JSON body is ever sent, so 7.0's rejection of unknown keys cannot bite.

requests (already installed with pyzabbix) keeps one pooled keep-alive connection for a tail's
polls and takes a CA bundle path for `verify`, which urllib does neither of as simply.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Unpack

import requests

from opsconsole import __version__
from opsconsole.domain.errors import BackendError, BackendUnreachable, CredentialsError, InvalidInput
from opsconsole.domain.logs import LogMessage, NodeInfo, SearchResult, Stream
from opsconsole.domain.tls import explain_tls_failure
from opsconsole.graylog.deadline import DeadlineAdapter, DeadlineExceeded, deadline
from opsconsole.http_session import Connection, connection_session

EVENT_STREAMS = frozenset(f"00000000000000000000000{n}" for n in (2, 3, 4))
"""Graylog's event and failure streams (Stream.java): not log messages, hidden from the console."""
MAX_RESULT_WINDOW = 10_000
"""OpenSearch's index.max_result_window: offset + limit beyond it fails on a real server."""
_MAPPED = ("_id", "timestamp", "source", "message", "level")


class GraylogClient:
    """One Graylog server. Auth: an access token (sent as Basic `<token>:token`) or a user and password."""

    def __init__(self, url: str, *, deadline: float = 30.0, **connection: Unpack[Connection]) -> None:
        """`timeout` (10 s) bounds the connect and each read; `deadline` the whole request (a server
        that drips bytes never trips a read timeout)."""
        base = url.rstrip("/")
        self.url = base if base.endswith("/api") else base + "/api"
        self.timeout = connection.get("timeout", 10.0)
        self.connect_timeout = connection.get("connect_timeout", 3.0)
        self.deadline = deadline
        self._budget = threading.local()
        self.session = connection_session(connection)
        adapter = DeadlineAdapter()
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        username, token = connection.get("username"), connection.get("token")
        if username:
            self.session.auth = (username, connection.get("password") or "")
        elif token:
            self.session.auth = (token, "token")
        self.session.headers.update(
            {
                "Accept": "application/json",
                # The CSRF header Graylog requires on non-GET calls; harmless on GETs, so always sent.
                "X-Requested-By": f"opsconsole/{__version__}",
                "User-Agent": f"opsconsole/{__version__}",
            }
        )
        self._node: NodeInfo | None = None

    def close(self) -> None:
        self.session.close()

    @contextlib.contextmanager
    def budget(self, seconds: float | None = None) -> Iterator[None]:
        """Every request of this thread inside shares one total deadline (`deadline` by default):
        a command that makes several requests still ends in time."""
        if getattr(self._budget, "end", None) is not None:
            yield  # an outer budget already bounds this
            return
        self._budget.end = time.monotonic() + (seconds or self.deadline)
        try:
            yield
        finally:
            self._budget.end = None

    # -- calls ------------------------------------------------------------------------------

    def node(self) -> NodeInfo:
        """The node's version and ids (HelloWorldResource), fetched once."""
        if self._node is None:
            body = self._get("/")
            self._node = NodeInfo(
                str(body.get("version", "")), str(body.get("node_id", "")), str(body.get("cluster_id", ""))
            )
        return self._node

    def streams(self, *, include_event_streams: bool = False) -> list[Stream]:
        """Streams the token may read, by title (the server's order is a set's)."""
        body = self._get("/streams")
        streams = [
            Stream(
                id=str(s["id"]),
                title=str(s.get("title", "")),
                description=str(s.get("description") or ""),
                disabled=bool(s.get("disabled", False)),
                index_set_id=s.get("index_set_id"),
            )
            for s in body.get("streams", [])
            if include_event_streams or s.get("id") not in EVENT_STREAMS
        ]
        return sorted(streams, key=lambda s: (s.title.lower(), s.id))

    def search(
        self,
        query: str = "*",
        *,
        since: timedelta | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        streams: Sequence[str] = (),
        limit: int = 150,
        offset: int = 0,
        fields: Sequence[str] = (),
        sort: str = "timestamp:desc",
    ) -> SearchResult:
        """Messages matching `query` in the last `since`, or from `start` (included) to `end`
        (excluded, as in Graylog's range query; it defaults to now); in `streams` when given (ids).

        Raises:
            InvalidInput: a bad range or query; Graylog's own message for the query.
        """
        if limit < 1 or offset < 0:
            raise InvalidInput("limit must be at least 1 and offset at least 0")
        if offset + limit > MAX_RESULT_WINDOW:
            raise InvalidInput(
                f"offset + limit may not exceed {MAX_RESULT_WINDOW} (the search index's result window)",
                hint="narrow the time range or the query instead of paging that deep",
            )
        params: dict[str, str | int] = {
            "query": query.strip() or "*",
            "limit": limit,
            "offset": offset,
            "sort": sort,
            "decorate": "true",
        }
        if start is not None:
            stop = end or datetime.now(UTC)
            if stop < start:
                raise InvalidInput("the range ends before it starts", hint="--from must be before --to")
            kind = "absolute"
            params["from"], params["to"] = _iso(start), _iso(stop)
        else:
            kind = "relative"
            # `range` is required from 6.1 on (missing -> 400); 0 would mean all time.
            params["range"] = max(1, int((since or timedelta(minutes=5)).total_seconds()))
        if streams:
            ids = ",".join(streams)
            # Older servers ignore `streams`; 6.2.3+ apply it properly; the AND of both is harmless.
            params["filter"], params["streams"] = f"streams:{ids}", ids
        if fields:
            params["fields"] = ",".join(fields)
        body = self._get(f"/search/universal/{kind}", params)
        return SearchResult(
            query=str(body.get("query", query)),
            messages=tuple(to_log_message(m.get("message", {}), m.get("index")) for m in body["messages"]),
            total=int(body.get("total_results", 0)),
            took_ms=body.get("time"),
            start=_parse(body.get("from")),
            end=_parse(body.get("to")),
        )

    # -- transport ----------------------------------------------------------------------------

    def _get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        url = self.url + path
        limit = self.deadline
        end = getattr(self._budget, "end", None)
        if end is not None:
            limit = min(limit, end - time.monotonic())
        try:
            if limit <= 0:
                raise DeadlineExceeded
            with deadline(limit):
                response = self.session.get(url, params=params, timeout=(self.connect_timeout, self.timeout))
        except DeadlineExceeded:
            raise BackendUnreachable(
                f"Graylog at {self.url} did not finish answering within the {self.deadline:g} s deadline",
                hint="the server or the network is very slow; try again, or narrow the query or time range",
            ) from None
        except requests.exceptions.SSLError as e:
            cause, fix = explain_tls_failure(str(e), "[graylog] ca_bundle")
            raise BackendError(f"Graylog at {self.url}: {cause}", hint=fix) from None
        except requests.exceptions.Timeout:
            raise BackendUnreachable(
                f"Graylog at {self.url} did not answer within {self.timeout:g} s",
                hint="the server is slow or overloaded; try again, or narrow the query",
            ) from None
        except requests.exceptions.RequestException as e:
            raise BackendUnreachable(
                f"Graylog at {self.url} is unreachable ({_reason(e)})",
                hint="check [graylog] url in the config and that the server is up",
            ) from None
        if response.status_code >= 400:
            raise _error(self.url, response)
        try:
            return response.json()
        except ValueError:
            raise BackendError(f"Graylog at {self.url} answered {path} with something not JSON") from None


def to_log_message(message: Mapping[str, Any], index: str | None = None) -> LogMessage:
    """A search hit's field map (ResultMessageSummary.message) as a LogMessage."""
    level = message.get("level")
    return LogMessage(
        id=str(message.get("_id", "")),
        timestamp=_parse(message.get("timestamp")) or datetime.fromtimestamp(0, UTC),
        source=str(message.get("source", "")),
        message=str(message.get("message", "")),
        level=int(level) if isinstance(level, int | float) and not isinstance(level, bool) else None,
        fields={k: v for k, v in message.items() if k not in _MAPPED},
        index=index,
    )


def _error(url: str, response: requests.Response) -> Exception:
    status = response.status_code
    message = _message(response)
    if status == 401:
        return CredentialsError(
            f"Graylog at {url} refused the credentials (401)",
            hint="check the token (or user and password) the [graylog] section names",
        )
    if status == 403:
        return BackendError(
            f"Graylog at {url} denied the request (403): {message}",
            hint="the Graylog user lacks a permission, e.g. streams:read on a configured stream",
        )
    if status == 400:
        return InvalidInput(f"Graylog rejected the request: {message}", hint=_QUERY_HINT)
    if status >= 500 and "Failed to obtain results" in message:
        # 7.x reports a query the search engine cannot parse this way (facts 4.3).
        return InvalidInput(f"Graylog could not run the query: {message}", hint=_QUERY_HINT)
    failed = BackendUnreachable if status >= 500 else BackendError
    return failed(f"Graylog at {url} failed ({status}): {message}")


_QUERY_HINT = 'check the query: field:value, "a phrase", AND, OR, NOT, wildcards * and ?'


def _message(response: requests.Response) -> str:
    """ApiError's `message`, the first bean-validation message, or the status text."""
    try:
        body = response.json()
    except ValueError:
        return response.reason or str(response.status_code)
    if isinstance(body, dict) and "message" in body:
        return str(body["message"])
    if isinstance(body, list) and body and isinstance(body[0], dict):
        first = body[0]
        return f"{first.get('path', '')}: {first.get('message', '')}".strip(": ")
    return response.reason or str(response.status_code)


def _reason(error: Exception) -> str:
    text = str(error)
    markers = ("Connection refused", "Name or service not known", "timed out", "certificate verify failed")
    for marker in markers:
        if marker in text:
            return marker
    return type(error).__name__


def _iso(moment: datetime) -> str:
    """Graylog's millisecond ISO form, truncated: a message's timestamp is a whole millisecond, so
    a start keeps its own millisecond and an end leaves it for the next window."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parse(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
