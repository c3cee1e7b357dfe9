"""`runbook validate`: every problem of a malformed runbook with its line, exit 2; the shipped ones pass."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from opsconsole.runbooks.library import runbook_files
from opsconsole.runbooks.loader import RunbookInvalid, parse_runbook
from tests.helpers import run_cli

SHIPPED = Path(__file__).resolve().parents[2] / "runbooks"

GOOD_HEAD = """\
title: T
inputs:
  env: environment
  count: {type: int, default: 2}
steps:
"""

# One malformed runbook per acceptance case: (name, steps text, expected line, expected message part).
CASES = [
    ("unknown-kind", "  - id: a\n    kind: reboot_everything\n", 7, "unknown step kind 'reboot_everything'"),
    (
        "bad-jmespath",
        '  - id: a\n    kind: query\n    logs: {query: x}\n    assert: "output >"\n',
        9,
        "bad JMESPath",
    ),
    (
        "missing-input",
        '  - id: a\n    kind: note\n    text: "{{ inputs.service }}"\n',
        6,
        "unknown input 'service'",
    ),
    (
        "branch-to-missing",
        '  - id: a\n    kind: branch\n    if: "inputs.count > `1`"\n    then: nowhere\n',
        6,
        "then names a missing step 'nowhere'",
    ),
    (
        "cycle-without-wait",
        "  - id: a\n    kind: note\n    text: one\n  - id: b\n    kind: note\n    text: two\n    next: a\n",
        6,
        "a cycle without a wait step: a -> b -> a",
    ),
    ("input-type", "  - id: a\n    kind: note\n    text: hi\n", 4, "not a whole number"),
]


@pytest.mark.parametrize(("name", "steps", "line", "message"), CASES, ids=[c[0] for c in CASES])
def test_each_malformed_runbook_names_its_line_and_exits_2(
    name: str, steps: str, line: int, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    head = GOOD_HEAD.replace("default: 2", "default: two") if name == "input-type" else GOOD_HEAD
    path = tmp_path / f"{name}.yaml"
    path.write_text(head + steps, encoding="utf-8")
    result = run_cli(capsys, "runbook", "validate", str(path))
    assert result.code == 2, result.stdout + result.stderr
    assert f"{path}:{line}: " in result.stdout
    assert message in result.stdout


def test_every_problem_is_listed_not_just_the_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = GOOD_HEAD.replace("default: 2", "default: two") + "".join(
        c[1].replace("id: a", f"id: s{i}").replace("next: a", f"next: s{i}") for i, c in enumerate(CASES[:-1])
    )
    path = tmp_path / "all.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RunbookInvalid) as caught:
        parse_runbook(text, str(path))
    messages = [p.message for p in caught.value.problems]
    for _name, _steps, _line, part in CASES:
        assert any(part.replace("a -> b -> a", "") in m for m in messages), (part, messages)
    result = run_cli(capsys, "runbook", "validate", str(path), "-o", "json")
    assert result.code == 2
    [report] = json.loads(result.stdout)
    assert report["valid"] is False and len(report["problems"]) == len(messages)
    assert all(p["line"] > 0 for p in report["problems"])


def test_a_mutating_aws_call_is_refused_in_a_query(tmp_path: Path) -> None:
    text = GOOD_HEAD + (
        "  - id: a\n    kind: query\n    aws:\n      service: ecs\n      operation: update_service\n"
        "      params: {cluster: c, service: s, desiredCount: 0}\n"
    )
    with pytest.raises(RunbookInvalid) as caught:
        parse_runbook(text, "x.yaml")
    assert [(p.line, "ecs:UpdateService is not a read call" in p.message) for p in caught.value.problems] == [
        (10, True)
    ]


def test_yaml_syntax_errors_name_their_line() -> None:
    with pytest.raises(RunbookInvalid) as caught:
        parse_runbook("title: x\nsteps:\n  - id: [a\n", "x.yaml")
    assert caught.value.problems[0].line == 4 and "not valid YAML" in caught.value.problems[0].message


def test_a_wait_step_breaks_a_cycle() -> None:
    text = GOOD_HEAD + (
        "  - id: a\n    kind: wait\n    logs: {query: x}\n    until: 'output > `0`'\n"
        "  - id: b\n    kind: branch\n    if: 'steps.a > `3`'\n    then: end\n    else: a\n"
    )
    book = parse_runbook(text, "loop.yaml")
    assert [s.id for s in book.steps] == ["a", "b"]


def test_every_shipped_runbook_validates(capsys: pytest.CaptureFixture[str]) -> None:
    files = runbook_files(SHIPPED)
    assert len(files) == 5
    result = run_cli(capsys, "runbook", "validate", *map(str, files))
    assert result.code == 0, result.stdout
    assert result.stdout.count(": ok") == 5
