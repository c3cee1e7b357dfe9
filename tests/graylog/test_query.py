"""The emulator's query subset (Lucene as Graylog uses it) and its refusal of the rest."""

from __future__ import annotations

from typing import Any

import pytest

from opsconsole.demo.graylog.query import QueryError, compile_query

MESSAGES: list[dict[str, Any]] = [
    {"message": "GET /api/orders 200 12ms", "service": "api", "env": "prod", "status": 200, "level": 6},
    {
        "message": "GET /api/orders 503 1200ms upstream timeout",
        "service": "api",
        "env": "prod",
        "status": 503,
    },
    {
        "message": "ModSecurity: Access denied with code 403",
        "service": "modsecurity",
        "env": "dev",
        "status": 403,
    },
    {"message": "zabbix_agent2 started", "service": "zabbix-agent", "env": "staging"},
    {
        "message": "java.lang.OutOfMemoryError: Java heap space",
        "service": "worker",
        "env": "prod",
        "level": 3,
    },
]


def matching(query: str) -> list[int]:
    predicate = compile_query(query)
    return [i for i, m in enumerate(MESSAGES) if predicate(m)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("*", [0, 1, 2, 3, 4]),
        ("", [0, 1, 2, 3, 4]),
        ("env:prod", [0, 1, 4]),
        ("env:Prod", []),  # keyword fields are exact and case-sensitive
        ("status:503", [1]),
        ("timeout", [1]),  # bare terms search the analysed message field
        ("TIMEOUT", [1]),  # ...case-insensitively
        ('"access denied"', [2]),
        ('message:"upstream timeout"', [1]),
        ('"timeout upstream"', []),  # a phrase keeps its order
        ("env:prod AND NOT service:api", [4]),
        ("env:prod && !service:api", [4]),
        ("service:api OR service:worker", [0, 1, 4]),
        ("modsecurity zabbix_agent2", [2, 3]),  # adjacent terms are OR-ed
        ("(env:dev OR env:staging) AND NOT service:modsecurity", [3]),
        ("service:zab*", [3]),
        ("service:a?i", [0, 1]),
        ("message:outofmem*", []),  # the analyser keeps java.lang.OutOfMemoryError as one word
        ("message:java.lang.outofmemoryerror*", [4]),
        ("_exists_:level", [0, 4]),
        ("service:*", [0, 1, 2, 3, 4]),
        ("NOT _exists_:status", [3, 4]),
    ],
)
def test_supported_queries(query: str, expected: list[int]) -> None:
    assert matching(query) == expected


@pytest.mark.parametrize(
    "query",
    [
        "name:jon~",
        "status:[500 599]",  # a range needs TO
        "status:[500 TO]",
        "status:>",
        "service:api^2",
        "-service:api",
        "path:/api/.*/",
        "(env:prod",
        "env:prod AND",
        ")",
    ],
)
def test_everything_else_is_a_clear_error(query: str) -> None:
    with pytest.raises(QueryError) as caught:
        compile_query(query)
    assert str(caught.value)


# Ranges as Graylog's search syntax documents them (Lucene query syntax): `[a TO b]` inclusive,
# `{a TO b}` exclusive, brackets may be mixed, `*` leaves a side open, and `field:>N`, `>=`, `<`,
# `<=` for one-sided ranges; numbers compare as numbers on numeric fields, text in term order.
# https://go2docs.graylog.org/current/making_sense_of_your_log_data/search_syntax_reference.htm
# (Range searches); the Graylog 3.x "Search query language" page gives http_response_code:[500 TO 504],
# http_response_code:{400 TO 404}, http_response_code:>400 and <=400; Solr's reference gives
# age:[* TO 60] and the mixed age:{50 TO 60].
RANGED: list[dict[str, Any]] = [
    {"status": 200, "latency_ms": 12.5, "service": "api"},
    {"status": 499, "latency_ms": 900, "service": "modsecurity"},
    {"status": 500, "latency_ms": 1200, "service": "web"},
    {"status": 503, "service": "worker"},
    {"status": 504, "latency_ms": 5000, "service": "varnish"},
    {"status": "600", "service": "zabbix-agent"},  # text, not a number: numeric ranges skip it
    {"service": "api", "version": ["1.2", "2.0"]},
]


def ranged(query: str) -> list[int]:
    predicate = compile_query(query)
    return [i for i, m in enumerate(RANGED) if predicate(m)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status:>=500", [2, 3, 4]),
        ("status:>500", [3, 4]),
        ("status:<500", [0, 1]),
        ("status:<=500", [0, 1, 2]),
        ("status:[500 TO 504]", [2, 3, 4]),
        ("status:{500 TO 504}", [3]),
        ("status:[500 TO 504}", [2, 3]),
        ("status:{500 TO 504]", [3, 4]),
        ("status:[500 TO *]", [2, 3, 4]),
        ("status:[* TO 499]", [0, 1]),
        ("latency_ms:[12 TO 13]", [0]),  # numbers compare as numbers, fractions included
        ("latency_ms:>1000", [2, 4]),
        ("status:>=-1 AND NOT status:>=500", [0, 1]),
        ("service:[api TO varnish]", [0, 1, 4, 6]),  # keyword fields compare as text, in term order
        ("service:{api TO varnish}", [1]),
        ('service:["a" TO "n"]', [0, 1, 6]),
        ('version:>="2"', [6]),  # any value of a list field; a quoted bound is text
        ("version:>=2", []),  # a number range skips text values
        ("status:>=500 AND service:w*", [2, 3]),
        ("(status:<300 OR status:>503) AND _exists_:latency_ms", [0, 4]),
    ],
)
def test_ranges(query: str, expected: list[int]) -> None:
    assert ranged(query) == expected


def test_a_text_range_orders_by_code_point_like_lucene_terms() -> None:
    # "600" as text sorts after "5..." and "10" before "9": a keyword field, not a number.
    predicate = compile_query("status:[6 TO 7]")
    assert [i for i, m in enumerate(RANGED) if predicate(m)] == []
    text = compile_query('status:["6" TO "7"]')
    assert [i for i, m in enumerate(RANGED) if text(m)] == [5]
