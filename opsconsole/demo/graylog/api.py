"""The Graylog emulator's REST API on loopback: the endpoints the console's client calls, with the
shapes, authentication, CSRF rule and errors of Graylog's own resources (see the facts file):

- `GET /api/` HelloWorldResource (no auth), `GET /api/system` SystemResource (the overview);
- `GET /api/streams`, `/api/streams/enabled`, `/api/streams/{id}` StreamResource;
- `GET /api/search/universal/{relative,absolute}` Relative/AbsoluteSearchResource -> SearchResponse,
  over `from <= timestamp < to` (Graylog's TimeRangeQueryFactory has used `lt` for `to` since 4.3).

Auth is ShiroSecurityContextFilter's: Basic `user:password` or `<token>:token`, else 401 with
`WWW-Authenticate: Basic realm="Graylog Server"` and an empty body. A non-GET request without
`X-Requested-By` gets VerboseCsrfProtectionFilter's 400. Errors are ApiError JSON.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from opsconsole.demo.graylog.query import QueryError, compile_query
from opsconsole.demo.graylog.store import MessageStore
from opsconsole.demo.graylog.streams import StreamTable, stream_json

TAGLINE = "Manage your logs in the dark and have lasers going and make it look like you're from space!"
CSRF_MESSAGE = 'CSRF protection header is missing. Please add a "X-Requested-By" header to your request.'
DEFAULT_LIMIT = 150  # MessageList.builder().limit(150)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class ApiFailure(Exception):
    def __init__(self, status: int, body: Any = None, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = dict(headers or {})


def api_error(status: int, message: str) -> ApiFailure:
    """GenericError/ApiError: `{"type":"ApiError","message":...}`."""
    return ApiFailure(status, {"type": "ApiError", "message": message})


def validation_error(message: str, path: str, value: Any = None) -> ApiFailure:
    """Jersey bean validation (BV_SEND_ERROR_IN_RESPONSE): a 400 with a JSON array; the element
    keys are inferred (facts file 2.4 [I])."""
    return ApiFailure(400, [{"message": message, "path": path, "invalid_value": value}])


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_version(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("+")[0].split("-")[0].split("."))


@dataclass
class GraylogApi:
    """What the REST server answers; knobs `delay` and `fail_status` make it slow or broken for tests."""

    store: MessageStore
    streams: StreamTable
    version: str = "6.1.4"
    users: dict[str, str] = field(default_factory=lambda: {"admin": "admin"})
    tokens: dict[str, str] = field(default_factory=dict)
    node_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    cluster_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    delay: float = 0.0
    fail_status: int | None = None
    requests: int = 0
    searches: int = 0
    """Searches answered so far: lets a test wait until a client has really started polling."""

    @property
    def version_tuple(self) -> tuple[int, ...]:
        return parse_version(self.version)

    def handle(self, method: str, target: str, headers: Mapping[str, str]) -> tuple[int, Any, dict[str, str]]:
        """Status, JSON body (None for empty) and extra headers of one request."""
        self.requests += 1
        if self.delay:
            time.sleep(self.delay)
        try:
            return 200, self._route(method, target, headers), {}
        except ApiFailure as failure:
            return failure.status, failure.body, failure.headers

    def _route(self, method: str, target: str, headers: Mapping[str, str]) -> Any:
        url = urlsplit(target)
        path = url.path.rstrip("/") or "/"
        params = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        if method == "GET" and path == "/api":
            return {
                "cluster_id": self.cluster_id,
                "node_id": self.node_id,
                "version": self.version,
                "tagline": TAGLINE,
            }
        self._authenticate(headers)
        if method not in ("GET", "HEAD", "OPTIONS") and not headers.get("x-requested-by"):
            raise api_error(400, CSRF_MESSAGE)
        if self.fail_status is not None:
            raise api_error(self.fail_status, "Emulated failure: the Graylog emulator was told to fail")
        if method != "GET":
            raise ApiFailure(405)
        if path == "/api/system":
            return self._system()
        if path == "/api/system/metrics":
            return self.store.metrics.snapshot()
        if path.startswith("/api/system/metrics/"):
            return self._meter(path.removeprefix("/api/system/metrics/"))
        if path == "/api/emulator/drops":  # the emulator's own: why recent payloads were dropped
            return {"total": self.store.metrics.dropped(), "recent": list(self.store.metrics.recent)}
        if path in ("/api/streams", "/api/streams/enabled"):
            chosen = [s for s in self.streams.all if not (path.endswith("enabled") and s.disabled)]
            return {"total": len(chosen), "streams": [stream_json(s, self.version_tuple) for s in chosen]}
        if path.startswith("/api/streams/"):
            stream_id = path.rsplit("/", 1)[1]
            stream = self.streams.get(stream_id)
            if stream is None:
                raise api_error(404, f"Stream <{stream_id}> not found!")
            return stream_json(stream, self.version_tuple)
        if path in ("/api/search/universal/relative", "/api/search/universal/absolute"):
            return self._search(path.rsplit("/", 1)[1], params)
        raise api_error(404, f"HTTP 404 Not Found: {path}")

    def _authenticate(self, headers: Mapping[str, str]) -> None:
        """ShiroSecurityContextFilter: `<token>:token` is an access token, else user:password."""
        header = headers.get("authorization", "")
        scheme, _, encoded = header.partition(" ")
        try:
            user, _, secret = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            user = secret = ""
        ok = scheme.lower() == "basic" and bool(user) and bool(secret)
        if ok and secret.lower() == "token":
            ok = user in self.tokens
        elif ok:
            ok = self.users.get(user) == secret
        if not ok:
            # NotAuthorizedResponseFilter drops the header for XMLHttpRequest callers.
            xhr = headers.get("x-requested-with", "") == "XMLHttpRequest"
            raise ApiFailure(401, None, {} if xhr else {"WWW-Authenticate": 'Basic realm="Graylog Server"'})

    def _system(self) -> dict[str, Any]:
        return {
            "facility": "graylog-server",
            "codename": "Noir",
            "node_id": self.node_id,
            "cluster_id": self.cluster_id,
            "version": self.version,
            "started_at": iso(datetime.now(UTC) - timedelta(hours=1)),
            "is_leader": True,
            "hostname": "graylog-emulator",
            "lifecycle": "running",
            "lb_status": "alive",
            "timezone": "UTC",
            "operating_system": "Linux",
            "is_processing": True,
        }

    def _meter(self, name: str) -> dict[str, Any]:
        """MetricsResource.singleMetric: one meter, 404 when the registry has no such name."""
        meter = self.store.metrics.snapshot()["meters"].get(name)
        if meter is None:
            raise api_error(404, f"Metric {name} not found.")
        return dict(meter)

    def _search(self, kind: str, params: Mapping[str, str]) -> dict[str, Any]:
        self.searches += 1
        started = time.monotonic()
        query = params.get("query", "")
        if not query:
            raise validation_error("must not be empty", "search.query", query)
        start, end = self._range(kind, params)
        limit = _int(params, "limit", 0) or DEFAULT_LIMIT
        offset = _int(params, "offset", 0)
        if (5, 0, 0) <= self.version_tuple < (5, 0, 3):
            offset = 0  # 5.0.0-5.0.2 accepted offset and dropped it (fixed by #14575)
        sort_field, descending = _sort(params.get("sort", "timestamp:desc"))
        try:
            matches = compile_query(query)
        except QueryError as e:
            raise api_error(400, f"Unable to parse query: {e}") from None
        wanted = self._stream_filter(params)
        fields = [f for f in params.get("fields", "").split(",") if f.strip()]
        if fields:
            fields = ["timestamp", *[f.strip() for f in fields if f.strip() != "timestamp"]]

        def selected(message: Mapping[str, Any]) -> bool:
            streams = message.get("streams", ())
            if wanted is not None and not any(s in wanted for s in streams):
                return False
            return matches(message)

        page = self.store.search(
            _millis(start),
            _millis(end),
            selected,
            descending=descending,
            offset=offset,
            limit=limit,
            sort_field=sort_field,
        )
        return {
            "query": query,
            "built_query": query,
            "used_indices": [],
            "messages": [
                {
                    "highlight_ranges": {},
                    "message": _project(m, fields),
                    "index": "graylog_0",
                    "decoration_stats": None,
                }
                for m in page.messages
            ],
            "fields": fields,
            "time": int((time.monotonic() - started) * 1000),
            "total_results": page.total,
            "from": iso(start),
            "to": iso(end),
            "decoration_stats": None,
        }

    def _range(self, kind: str, params: Mapping[str, str]) -> tuple[datetime, datetime]:
        now = datetime.now(UTC)
        if kind == "relative":
            if "range" not in params and self.version_tuple >= (6, 1):
                raise validation_error("must not be null", "searchRelative.range")
            seconds = _int(params, "range", 0)
            if seconds < 0:
                raise validation_error("must be greater than or equal to 0", "searchRelative.range", seconds)
            return (EPOCH if seconds == 0 else now - timedelta(seconds=seconds)), now
        try:
            return _parse_time(params["from"]), _parse_time(params["to"])
        except (KeyError, ValueError):
            raise api_error(400, "Invalid timerange parameters provided") from None

    def _stream_filter(self, params: Mapping[str, str]) -> set[str] | None:
        """`filter=streams:<id>,...` (every version) AND `streams=<id>,...` (6.2.3+); None = all
        message streams."""
        wanted: set[str] | None = None
        text = params.get("filter", "*") or "*"
        if text != "*":
            if not text.startswith("streams:"):
                raise api_error(403, f"Not allowed to search with filter: [{text}]")
            wanted = {s for s in text.removeprefix("streams:").split(",") if s}
        if params.get("streams") and self.version_tuple >= (6, 2, 3):
            ids = {s for s in params["streams"].split(",") if s}
            wanted = ids if wanted is None else wanted & ids
        return wanted


def _int(params: Mapping[str, str], name: str, default: int) -> int:
    text = params.get(name, "")
    if text == "":
        return default
    try:
        return int(text)
    except ValueError:  # JAX-RS: a query parameter that does not convert is a 404
        raise api_error(404, f"HTTP 404 Not Found: {name} must be a number") from None


def _sort(text: str) -> tuple[str, bool]:
    """SearchResource.buildSortOrder: `field:asc|desc`; anything else is an IllegalArgumentException (500)."""
    field_name, colon, direction = text.partition(":")
    if not colon or direction.lower() not in ("asc", "desc"):
        raise api_error(500, f"Invalid sorting parameter: {text}")
    return field_name, direction.lower() == "desc"


def _parse_time(text: str) -> datetime:
    """AbsoluteRange.Builder.parseDateTime: ISO with `T` (offset kept), else
    `yyyy-MM-dd HH:mm:ss[.SSS]` in UTC."""
    if "T" in text:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _millis(moment: datetime) -> int:
    """Whole milliseconds (Graylog's precision), truncated, in integer arithmetic."""
    return (moment - EPOCH) // timedelta(milliseconds=1)


def _project(message: Mapping[str, Any], fields: list[str]) -> dict[str, Any]:
    if not fields:
        return dict(message)
    return {"_id": message["_id"], **{f: message[f] for f in fields if f in message}}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: a tail polls the same connection
    disable_nagle_algorithm = True
    """Headers and body go out in two writes: with Nagle's algorithm on, the body waited for the
    client's delayed ACK, 40 ms added to every answer on a kept-alive connection."""
    server: ApiServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's signature
        return

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, body, extra = self.server.api.handle(self.command, self.path, headers)
        data = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("X-Graylog-Node-ID", self.server.api.node_id)
        for name, value in extra.items():
            self.send_header(name, value)
        if data:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = _serve


class ApiServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, api: GraylogApi) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.api = api
        self._thread = threading.Thread(
            target=self.serve_forever, args=(0.05,), name="graylog-api", daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
