"""The emulator's REST answers against fixtures built from Graylog's own definitions (graylog2-server,
paths relative to graylog2-server/src/main/java, per reference/graylog-facts.md), over real HTTP."""

from __future__ import annotations

import base64
import re
import time
from typing import Any

import pytest
import requests

from opsconsole.demo.graylog.emulator import DEMO_TOKEN, GraylogEmulator
from opsconsole.demo.graylog.streams import env_streams
from tests.graylog.clocks import ManualClock
from tests.graylog.gelf_sender import UdpSender, wait_stored

# org/graylog2/rest/resources/HelloWorldResource.java (HelloWorldResponse)
HELLO_KEYS = {"cluster_id", "node_id", "version", "tagline"}
# org/graylog2/rest/resources/streams/responses/StreamResponse.java: 5.0-6.0 fields; 6.1 adds
# `categories`, 7.1 adds `favorite_fields`.
STREAM_KEYS_5 = {
    "id",
    "creator_user_id",
    "outputs",
    "matching_type",
    "description",
    "created_at",
    "disabled",
    "rules",
    "title",
    "content_pack",
    "is_default",
    "remove_matches_from_default_stream",
    "index_set_id",
    "is_editable",
}
# org/graylog2/streams/StreamRuleImpl.java asMap(): Mongo fields minus _id, plus id and stream_id.
RULE_KEYS = {"id", "stream_id", "field", "value", "type", "inverted", "description"}
# org/graylog2/rest/resources/search/responses/SearchResponse.java
SEARCH_KEYS = {
    "query",
    "built_query",
    "used_indices",
    "messages",
    "fields",
    "time",
    "total_results",
    "from",
    "to",
    "decoration_stats",
}
# org/graylog2/rest/models/messages/responses/ResultMessageSummary.java
SUMMARY_KEYS = {"highlight_ranges", "message", "index", "decoration_stats"}
# org/graylog2/plugin/streams/Stream.java + V20161116172200_CreateDefaultStreamMigration
DEFAULT_STREAM = {
    "id": "000000000000000000000001",
    "title": "Default Stream",
    "description": "Contains messages that are not explicitly routed to other streams",
    "is_default": True,
    "creator_user_id": "local:admin",
    "matching_type": "AND",
    "remove_matches_from_default_stream": False,
}
# org/graylog2/shared/rest/VerboseCsrfProtectionFilter.java
CSRF_BODY = {
    "type": "ApiError",
    "message": 'CSRF protection header is missing. Please add a "X-Requested-By" header to your request.',
}
ISO_MS = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"  # ObjectMapperProvider: ISO-8601 UTC with ms
TOKEN_AUTH = (DEMO_TOKEN, "token")


def get(emulator: GraylogEmulator, path: str, **kwargs: Any) -> requests.Response:
    kwargs.setdefault("auth", TOKEN_AUTH)
    return requests.get(emulator.api_url + path, timeout=5, **kwargs)


def test_hello_world_needs_no_auth_and_names_the_node(emulator: GraylogEmulator) -> None:
    response = requests.get(emulator.api_url + "/api/", timeout=5)
    assert response.status_code == 200
    assert set(response.json()) == HELLO_KEYS
    assert response.json()["version"] == "6.1.4"
    assert response.headers["X-Graylog-Node-ID"] == response.json()["node_id"]  # NodeIdResponseFilter


@pytest.mark.parametrize(
    ("version", "extra"),
    [("5.0.3", set()), ("6.1.4", {"categories"}), ("7.1.2", {"categories", "favorite_fields"})],
)
def test_stream_list_has_the_version_s_stream_response_fields(version: str, extra: set[str]) -> None:
    with GraylogEmulator(env_streams(["prod"]), version=version) as emulator:
        body = get(emulator, "/api/streams").json()
    assert set(body) == {"total", "streams"}  # StreamListResponse
    assert body["total"] == len(body["streams"]) == 4  # 001, 002, 003 built in, plus prod
    for stream in body["streams"]:
        assert set(stream) == STREAM_KEYS_5 | extra
        assert stream["created_at"] is not None
    default = next(s for s in body["streams"] if s["id"] == DEFAULT_STREAM["id"])
    assert {k: default[k] for k in DEFAULT_STREAM} == DEFAULT_STREAM
    prod = next(s for s in body["streams"] if s["title"] == "prod")
    [rule] = prod["rules"]
    assert set(rule) == RULE_KEYS
    assert (rule["field"], rule["value"], rule["type"], rule["stream_id"]) == ("env", "prod", 1, prod["id"])
    assert len(prod["id"]) == 24


def test_one_stream_and_the_404_api_error(emulator: GraylogEmulator) -> None:
    listed = get(emulator, "/api/streams").json()["streams"]
    prod = next(s for s in listed if s["title"] == "prod")
    assert get(emulator, f"/api/streams/{prod['id']}").json() == prod
    missing = get(emulator, "/api/streams/0123")
    assert missing.status_code == 404  # NotFoundExceptionMapper
    assert missing.json() == {"type": "ApiError", "message": "Stream <0123> not found!"}


@pytest.mark.parametrize(
    "auth",
    [None, ("admin", "wrong"), ("not-a-token", "token"), ("admin", "")],
    ids=["none", "bad-password", "bad-token", "empty-password"],
)
def test_401_with_basic_challenge_and_empty_body(emulator: GraylogEmulator, auth: Any) -> None:
    response = get(emulator, "/api/streams", auth=auth)
    assert response.status_code == 401  # ShiroAuthenticationFilter
    assert response.headers["WWW-Authenticate"] == 'Basic realm="Graylog Server"'
    assert response.content == b""


def test_user_password_and_token_both_authenticate(emulator: GraylogEmulator) -> None:
    assert get(emulator, "/api/streams", auth=("admin", "admin")).status_code == 200
    # ShiroSecurityContextFilter reads the second half case-insensitively.
    assert get(emulator, "/api/streams", auth=(DEMO_TOKEN, "TOKEN")).status_code == 200
    # NotAuthorizedResponseFilter drops the challenge for XMLHttpRequest callers.
    xhr = get(emulator, "/api/streams", auth=None, headers={"X-Requested-With": "XMLHttpRequest"})
    assert xhr.status_code == 401
    assert "WWW-Authenticate" not in xhr.headers


def test_non_get_without_x_requested_by_is_the_csrf_400(emulator: GraylogEmulator) -> None:
    url = emulator.api_url + "/api/search/messages"
    refused = requests.post(url, json={"query": "*"}, auth=TOKEN_AUTH, timeout=5)
    assert refused.status_code == 400
    assert refused.json() == CSRF_BODY
    allowed = requests.post(url, json={}, auth=TOKEN_AUTH, headers={"X-Requested-By": "t"}, timeout=5)
    assert allowed.status_code != 400  # past the filter (the emulator serves GETs only)


def test_universal_search_response_shape(emulator: GraylogEmulator) -> None:
    sender = UdpSender(emulator.udp_port)
    # A second ago: a search "up to now" on the server's clock must cover it (the end is exclusive).
    sender.send(
        "GET /healthz 200",
        timestamp=time.time() - 1,
        env="prod",
        service="web",
        request_id="abc",
        level_hint=6,
    )
    wait_stored(emulator.store, 1)
    response = get(
        emulator,
        "/api/search/universal/relative",
        params={"query": "*", "range": 300, "limit": 5, "sort": "timestamp:desc"},
    )
    body = response.json()
    assert response.status_code == 200
    assert set(body) == SEARCH_KEYS
    assert (body["query"], body["built_query"], body["used_indices"], body["fields"]) == ("*", "*", [], [])
    assert body["total_results"] == 1
    assert body["decoration_stats"] is None
    [summary] = body["messages"]
    assert set(summary) == SUMMARY_KEYS
    assert (summary["highlight_ranges"], summary["decoration_stats"]) == ({}, None)
    message = summary["message"]
    assert (message["message"], message["source"], message["env"], message["request_id"]) == (
        "GET /healthz 200",
        "web-1",
        "prod",
        "abc",
    )
    assert len(message["gl2_message_id"]) == 26  # a ULID
    prod_id = next(s["id"] for s in get(emulator, "/api/streams").json()["streams"] if s["title"] == "prod")
    assert message["streams"] == ["000000000000000000000001", prod_id]  # routed by the env rule
    for key in ("from", "to"):
        assert re.match(ISO_MS, body[key]), body[key]
    assert re.match(ISO_MS, message["timestamp"])


def test_search_fields_limit_the_message_and_echo_with_timestamp_first(emulator: GraylogEmulator) -> None:
    UdpSender(emulator.udp_port).send("hello", timestamp=time.time() - 1, env="dev", service="api")
    wait_stored(emulator.store, 1)
    body = get(
        emulator,
        "/api/search/universal/relative",
        params={"query": "*", "range": 60, "fields": "service,env"},
    ).json()
    assert body["fields"] == ["timestamp", "service", "env"]
    assert set(body["messages"][0]["message"]) == {"_id", "timestamp", "service", "env"}


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        # SearchResource.buildSortOrder: IllegalArgumentException -> AnyExceptionClassMapper 500
        ({"query": "*", "range": 60, "sort": "timestamp"}, 500, "Invalid sorting parameter: timestamp"),
        # SearchResource.checkSearchPermission: only `*` or streams:<id> filters
        (
            {"query": "*", "range": 60, "filter": "source:x"},
            403,
            "Not allowed to search with filter: [source:x]",
        ),
        # the emulator's query subset: a clear 400 in ApiError's shape
        ({"query": "name:jon~", "range": 60}, 400, "Unable to parse query"),
    ],
)
def test_search_errors_are_api_errors(
    emulator: GraylogEmulator, params: dict[str, Any], status: int, message: str
) -> None:
    response = get(emulator, "/api/search/universal/relative", params=params)
    assert response.status_code == status
    assert response.json()["type"] == "ApiError"
    assert response.json()["message"].startswith(message)


def test_absolute_range_parse_error_and_relative_range_required_from_6_1(emulator: GraylogEmulator) -> None:
    bad = get(
        emulator, "/api/search/universal/absolute", params={"query": "*", "from": "yesterday", "to": "x"}
    )
    assert (bad.status_code, bad.json()["message"]) == (400, "Invalid timerange parameters provided")
    missing = get(emulator, "/api/search/universal/relative", params={"query": "*"})
    assert missing.status_code == 400
    assert isinstance(missing.json(), list)  # bean validation: an array of errors
    with GraylogEmulator(version="6.0.0") as old:
        assert get(old, "/api/search/universal/relative", params={"query": "*"}).status_code == 200


def test_a_message_is_searchable_only_after_the_index_delay() -> None:
    clock = ManualClock()
    with GraylogEmulator(index_delay=0.5, clock=clock.monotonic) as emulator:
        UdpSender(emulator.udp_port).send("late", timestamp=time.time() - 1, env="prod")
        wait_stored(emulator.store, 1)
        params = {"query": "late", "range": 60}
        assert get(emulator, "/api/search/universal/relative", params=params).json()["total_results"] == 0
        clock.advance(0.499)
        assert get(emulator, "/api/search/universal/relative", params=params).json()["total_results"] == 0
        clock.advance(0.001)
        assert get(emulator, "/api/search/universal/relative", params=params).json()["total_results"] == 1


def test_an_absolute_range_includes_from_and_excludes_to(emulator: GraylogEmulator) -> None:
    """Graylog's TimeRangeQueryFactory builds `gte(from).lt(to)` (since 4.3, PR #11550)."""
    clock = ManualClock()  # 2026-11-26T09:30:00.000Z
    sender = UdpSender(emulator.udp_port)
    for n, offset in enumerate([-0.001, 0, 0.001, 0.002]):
        sender.send("edge", timestamp=clock.epoch(offset), n=n)
    wait_stored(emulator.store, 4)
    params = {"query": "edge", "sort": "timestamp:asc"}
    params |= {"from": "2026-11-26T09:30:00.000Z", "to": "2026-11-26T09:30:00.002Z"}
    body = get(emulator, "/api/search/universal/absolute", params=params).json()
    assert [m["message"]["n"] for m in body["messages"]] == [1, 2]
    assert body["total_results"] == 2


def test_basic_header_is_plain_base64_of_token_colon_token(emulator: GraylogEmulator) -> None:
    header = "Basic " + base64.b64encode(f"{DEMO_TOKEN}:token".encode()).decode()
    response = requests.get(emulator.api_url + "/api/streams", headers={"Authorization": header}, timeout=5)
    assert response.status_code == 200
