"""A review of a stack that does not exist yet makes a CREATE change set, and with it an empty
stack in REVIEW_IN_PROGRESS. Whichever way the review ends unexecuted (`stacks plan`, a deploy not
confirmed, a closed review), the change set and that empty stack both go, the stack's deletion
audited as a change of its own; a stack someone else is reviewing, or one whose change set was
executed after all, is kept. On the open demo world's moto server, over HTTP."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path
from typing import Any

import pytest

from opsconsole.app.console import Console
from opsconsole.config import load_settings
from opsconsole.demo.world import DemoReady
from opsconsole.domain.stacks import PlanAction
from tests.helpers import run_cli
from tests.stacks.test_realworld_moto import available, estate_config
from tests.world_helpers import admin


def stack_status(world: DemoReady, name: str) -> str | None:
    """The stack's status as CloudFormation holds it (admin keys); None when there is none."""
    cfn = admin(world, "dev", "cloudformation")
    live = [s for s in cfn.list_stacks()["StackSummaries"] if s["StackName"] == name]
    statuses = {s["StackStatus"] for s in live if s["StackStatus"] != "DELETE_COMPLETE"}
    # moto makes a stack per CREATE change set, even of one name (AWS adds them to the one stack)
    assert len(statuses) <= 1, statuses
    return statuses.pop() if statuses else None


def discards(config: Path, capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    audit = run_cli(capsys, "-c", str(config), "audit", "list", "-o", "json")
    assert audit.code == 0, audit.stderr
    return [r for r in json.loads(audit.stdout) if r["action"] == "stacks.discard"]


def assert_deleted_and_audited(records: list[dict[str, Any]], stack: str) -> None:
    """One change (`audit list` pairs its intent and outcome): the empty stack and the change set
    it was deleted with, ok, with the deploy role."""
    [change] = records
    assert (change["phase"], change["outcome"], change["tier"]) == ("intent", "ok", "deploy"), change
    assert change["finished_at"] is not None
    details = change["details"]
    assert (details["stack"], details["status"]) == (stack, "REVIEW_IN_PROGRESS")
    [arn] = details["change_sets"]
    assert ":changeSet/opsconsole-" in arn and "-vpc/" in arn, arn


def test_stacks_plan_of_a_new_stack_leaves_neither_change_set_nor_stack(
    open_world: DemoReady, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _root, config = estate_config(open_world, tmp_path, "lfa")
    result = run_cli(capsys, "-c", str(config), "stacks", "plan", "dev", "vpc", "-o", "json")
    assert result.code == 0, result.stderr
    assert [s["action"] for s in json.loads(result.stdout)["stacks"]] == ["create"]
    assert available(open_world, "dev", "lfa-") == []
    assert stack_status(open_world, "lfa-dev-vpc") is None
    status = run_cli(capsys, "-c", str(config), "stacks", "status", "dev", "vpc", "-o", "json")
    assert status.code == 0 and "REVIEW" not in status.stdout, status.stdout
    assert_deleted_and_audited(discards(config, capsys), "lfa-dev-vpc")


def test_a_deploy_not_confirmed_leaves_neither_change_set_nor_stack(
    open_world: DemoReady,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _root, config = estate_config(open_world, tmp_path, "lfb")
    monkeypatch.setattr("opsconsole.cli.prompts.interactive", lambda: True)
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    result = run_cli(capsys, "-c", str(config), "stacks", "deploy", "dev", "vpc")
    assert result.code == 3 and "not confirmed; nothing was changed" in result.stderr, result.stderr
    assert available(open_world, "dev", "lfb-") == []
    assert stack_status(open_world, "lfb-dev-vpc") is None
    assert_deleted_and_audited(discards(config, capsys), "lfb-dev-vpc")


def reviewing(world: DemoReady, tmp_path: Path, prefix: str) -> tuple[Console, Path]:
    root, config = estate_config(world, tmp_path, prefix)
    settings = load_settings(config, environ={})
    return Console.build(dataclasses.replace(settings, stacks_root=str(root))), config


def test_a_stack_someone_else_is_reviewing_is_kept_with_their_change_set(
    open_world: DemoReady, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    console, config = reviewing(open_world, tmp_path, "lfc")
    cfn = admin(open_world, "dev", "cloudformation")
    with console.stacks.plan("dev", ["vpc"], lint=False) as review:
        [vpc] = review.plan.stacks
        assert (
            vpc.action is PlanAction.CREATE
            and stack_status(open_world, "lfc-dev-vpc") == "REVIEW_IN_PROGRESS"
        )
        theirs = cfn.create_change_set(  # another operator's review of the same new stack
            StackName="lfc-dev-vpc",
            ChangeSetName="someone-elses-review",
            ChangeSetType="CREATE",
            TemplateBody=json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}),
        )
    assert available(open_world, "dev", "lfc-") == ["lfc-dev-vpc/someone-elses-review"]
    kept = cfn.describe_stacks(StackName=theirs["StackId"])["Stacks"][0]
    assert kept["StackStatus"] == "REVIEW_IN_PROGRESS"
    # moto gives each CREATE change set a stack of its own (AWS: one stack holds both); the check
    # is pinned to the reviewed stack's id, so only the empty stack this review made may go.
    assert all(theirs["Id"] not in json.dumps(r) for r in discards(config, capsys))
    cfn.delete_change_set(ChangeSetName=theirs["Id"])
    for summary in cfn.list_stacks()["StackSummaries"]:
        if summary["StackName"] == "lfc-dev-vpc" and summary["StackStatus"] != "DELETE_COMPLETE":
            cfn.delete_stack(StackName=summary["StackId"])


def test_a_stack_whose_change_set_was_executed_after_all_is_kept(
    open_world: DemoReady, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An ExecuteChangeSet whose answer was lost (a timeout, a cut connection) leaves the change
    set in the ledger while CloudFormation creates the stack: the discard must not delete it."""
    console, config = reviewing(open_world, tmp_path, "lfd")
    with console.stacks.plan("dev", ["vpc"], lint=False) as review:
        [vpc] = review.plan.stacks
        admin(open_world, "dev", "cloudformation").execute_change_set(ChangeSetName=vpc.change_set_arn)
    assert stack_status(open_world, "lfd-dev-vpc") == "CREATE_COMPLETE"
    assert discards(config, capsys) == []
