"""Runbook files from elsewhere are read with limits: an alias bomb, deep nesting, binary content
are refused quickly with a clear problem, and values that validated before but could never run
(`interval: 0s`, an unclosed `{{`, a scale beyond ECS's limit) are validation problems now."""

from __future__ import annotations

import resource
import time
from pathlib import Path

import pytest

from opsconsole.runbooks.loader import RunbookInvalid, load_runbook, parse_runbook

BOMB = "\n".join(
    [
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
        *[f"{c}: &{c} [{','.join([f'*{p}'] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi", strict=True)],
    ]
)


def problems(text: str | bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "book.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    with pytest.raises(RunbookInvalid) as caught:
        load_runbook(path)
    return [p.message for p in caught.value.problems]


def test_a_361_byte_alias_bomb_is_refused_in_milliseconds_without_growing(tmp_path: Path) -> None:
    assert len(BOMB) <= 361
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    found = problems(BOMB, tmp_path)
    took = time.monotonic() - started
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert found == [
        "its aliases (*name) expand to more than 100000 values or 40 levels; write the values out instead"
    ]
    assert took < 1.0 and grown_mb < 50, (took, grown_mb)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("title: " + "[" * 30000 + "]" * 30000, "brackets open at once"),
        ("title: " + "[" * 60 + "]" * 60, "nested more than 40 levels deep"),
        ("".join("  " * i + f"k{i}:\n" for i in range(100)) + "  " * 100 + "v: 1\n", "nested more than 40"),
        ("title: &t [*t]\n", "refers to the value it is in"),
        ("title: t\n" + "#" * 600_000 + "\n", "larger than 512 kB"),
        (bytes(range(256)), "not a text file (not UTF-8)"),
        ("title: a\x00b\n", "special characters are not allowed"),
        (
            "title: !!python/object/apply:os.system ['true']\n",
            "the tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed",
        ),
    ],
    ids=["brackets", "flow-depth", "block-depth", "self-alias", "size", "binary", "nul", "python-tag"],
)
def test_hostile_files_are_one_clear_problem(text: str | bytes, expected: str, tmp_path: Path) -> None:
    started = time.monotonic()
    found = problems(text, tmp_path)
    assert any(expected in p for p in found), found
    assert time.monotonic() - started < 2.0


WAIT = """\
title: t
inputs:
  env: environment
steps:
  - id: w
    kind: wait
    aws: {{service: ecs, operation: describe_services, params: {{cluster: c, services: [web]}}}}
    until: "output"
    interval: {interval}
    timeout: {timeout}
  - id: n
    kind: note
    text: "{text}"
  - id: s
    kind: action
    action: ecs.scale
    with: {{service: web, count: {count}}}
"""


@pytest.mark.parametrize(
    ("interval", "timeout", "text", "count", "expected"),
    [
        ("0s", "1m", "ok", 2, "step w: interval: '0s' is too short: at least 0.1s"),
        ("1s", "0s", "ok", 2, "step w: timeout: '0s' is too short: at least 1s"),
        ("1s", "99999999d", "ok", 2, "step w: timeout: '99999999d' is longer than ten years"),
        ("1s", "1m", "at {{ inputs.env", 2, "step n: 'at {{ inputs.env': a {{ without its }}"),
        ("1s", "1m", "ok }}", 2, "step n: 'ok }}': a {{ without its }}"),
        ("1s", "1m", "ok", 99999, "step s: ecs.scale: count: 99999 is out of range (0 to 5000"),
        ("1s", "1m", "ok", -1, "step s: ecs.scale: count: -1 is out of range"),
    ],
)
def test_values_that_could_never_run_do_not_validate(
    interval: str, timeout: str, text: str, count: int, expected: str
) -> None:
    with pytest.raises(RunbookInvalid) as caught:
        parse_runbook(WAIT.format(interval=interval, timeout=timeout, text=text, count=count), "t.yaml")
    messages = [p.message for p in caught.value.problems]
    assert any(m.startswith(expected) for m in messages), messages


def test_the_same_runbook_with_sane_values_validates() -> None:
    book = parse_runbook(
        WAIT.format(interval="0.5s", timeout="2m", text="{{ inputs.env }}", count=5000), "t.yaml"
    )
    assert [s.id for s in book.steps] == ["w", "n", "s"]
    assert book.steps[0].interval == 0.5 and book.steps[0].timeout == 120
