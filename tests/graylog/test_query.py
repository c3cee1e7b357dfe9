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
        "status:[500 TO 599]",
        "latency:>500",
        "name:jon~",
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
