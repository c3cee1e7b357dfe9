"""Streams of the Graylog emulator: the built-in ones, rule-based routing, and StreamResponse JSON.

Shapes from StreamResource.java / responses/StreamResponse.java (fields per version: 6.1 adds
`categories`, 7.1 adds `favorite_fields`), rules from StreamRuleImpl.asMap() and StreamRuleType
(1 exact, 2 regex, 5 presence, 6 contains, 7 always), built-in streams from Stream.java.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

DEFAULT_STREAM = "000000000000000000000001"
EVENT_STREAMS = ("000000000000000000000002", "000000000000000000000003")
CREATED_AT = "2026-01-05T09:12:44.123Z"
INDEX_SET = "6633a1ec8b4e5f1a2b3c4d5e"


def object_id(seed: str) -> str:
    """A stable 24-hex id (a MongoDB ObjectId's shape) for a name."""
    return hashlib.sha1(seed.encode()).hexdigest()[:24]


@dataclass(frozen=True)
class Rule:
    field: str
    value: str = ""
    type: int = 1
    inverted: bool = False

    def matches(self, message: Mapping[str, Any]) -> bool:
        present = self.field in message
        text = str(message.get(self.field, ""))
        if self.type == 1:
            hit = present and text == self.value
        elif self.type == 2:
            hit = present and re.search(self.value, text) is not None
        elif self.type == 5:
            hit = present and text != ""
        elif self.type == 6:
            hit = present and self.value in text
        elif self.type == 7:
            hit = True
        else:
            raise ValueError(f"stream rule type {self.type} is not emulated")
        return hit != self.inverted


@dataclass(frozen=True)
class StreamDef:
    title: str
    rules: tuple[Rule, ...] = ()
    description: str = ""
    matching_type: str = "AND"
    remove_matches_from_default_stream: bool = False
    id: str = ""
    disabled: bool = False
    creator_user_id: str = "admin"
    editable: bool = True
    is_default: bool = False

    @property
    def stream_id(self) -> str:
        return self.id or object_id("stream:" + self.title)

    def matches(self, message: Mapping[str, Any]) -> bool:
        if self.disabled or not self.rules:
            return False
        hits = (rule.matches(message) for rule in self.rules)
        return all(hits) if self.matching_type == "AND" else any(hits)


BUILT_IN = (
    StreamDef(
        "Default Stream",
        description="Contains messages that are not explicitly routed to other streams",
        id=DEFAULT_STREAM,
        creator_user_id="local:admin",
        is_default=True,
    ),
    StreamDef(
        "All events",
        description="Stream containing all events created by Graylog",
        id=EVENT_STREAMS[0],
        remove_matches_from_default_stream=True,
        editable=False,
    ),
    StreamDef(
        "All system events",
        description="Stream containing all system events created by Graylog",
        id=EVENT_STREAMS[1],
        remove_matches_from_default_stream=True,
        editable=False,
    ),
)


def env_streams(names: list[str] | tuple[str, ...]) -> list[StreamDef]:
    """One stream per environment, routed by the `env` field (the estate's convention)."""
    return [
        StreamDef(name, (Rule("env", name),), description=f"Logs of the {name} environment") for name in names
    ]


@dataclass
class StreamTable:
    """The built-in streams plus configured ones; `route` is what Graylog's StreamRouter does."""

    custom: list[StreamDef] = field(default_factory=list)

    @property
    def all(self) -> list[StreamDef]:
        return [*BUILT_IN, *self.custom]

    def get(self, stream_id: str) -> StreamDef | None:
        return next((s for s in self.all if s.stream_id == stream_id), None)

    def route(self, message: Mapping[str, Any]) -> list[str]:
        matched = [s for s in self.custom if s.matches(message)]
        ids = [s.stream_id for s in matched]
        if not any(s.remove_matches_from_default_stream for s in matched):
            ids.insert(0, DEFAULT_STREAM)
        return ids


def stream_json(stream: StreamDef, version: tuple[int, ...]) -> dict[str, Any]:
    """StreamResponse as the given Graylog version serializes it (snake_case, nulls included)."""
    sid = stream.stream_id
    body: dict[str, Any] = {
        "id": sid,
        "creator_user_id": stream.creator_user_id,
        "outputs": [],
        "matching_type": stream.matching_type,
        "description": stream.description,
        "created_at": CREATED_AT,
        "disabled": stream.disabled,
        "rules": [
            {
                "id": object_id(f"rule:{sid}:{n}"),
                "stream_id": sid,
                "field": rule.field,
                "value": rule.value,
                "type": rule.type,
                "inverted": rule.inverted,
                "description": "",
            }
            for n, rule in enumerate(stream.rules)
        ],
        "title": stream.title,
        "content_pack": None,
        "is_default": stream.is_default,
        "remove_matches_from_default_stream": stream.remove_matches_from_default_stream,
        "index_set_id": INDEX_SET,
        "is_editable": stream.editable,
    }
    if version >= (6, 1):
        body["categories"] = None
    if version >= (7, 1):
        body["favorite_fields"] = []
    return body
