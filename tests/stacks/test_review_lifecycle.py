"""A stacks review owns its change sets: whichever way the flow ends, nothing that was not executed
is left in CloudFormation, and the audit trail says how the deploy ended. On the demo world's
moto server, with staging's compute (upstream) and observability (downstream) changed."""

from __future__ import annotations

import _thread
import dataclasses
import io
import json
import threading
from pathlib import Path

import pytest

from opsconsole.app.console import Console
from opsconsole.config import Settings
from opsconsole.demo.world import DemoReady
from opsconsole.domain.stacks import PlanAction, StackOutcome, StackStatus
from tests.conftest import config_with_own_journal
from tests.helpers import run_cli
from tests.stacks.change_sets import available_change_sets, stacks_with
from tests.world_helpers import admin

ENV = "staging"
CHANGES = (("ApiCount = 2", "ApiCount = 3"), ("DbCpuThreshold = 85", "DbCpuThreshold = 80"))


def changed_services(settings: Settings, tmp_path: Path) -> Console:
    root = stacks_with(tmp_path, ENV, *CHANGES)
    return Console.build(dataclasses.replace(settings, stacks_root=str(root)))


def deploys(services: Console, *, stack: str | None = None) -> list[dict[str, object]]:
    """The deploy's intent and outcome records as the journal holds them; with `stack`, those of
    that one stack's change set instead."""
    records = [
        r
        for r in services.audit.records()
        if r.action == "stacks.deploy" and r.phase in ("intent", "outcome")
    ]
    intents = {r.id for r in records if r.phase == "intent" and r.details.get("stack") == stack}
    return [r.to_json_dict() for r in records if r.id in intents or r.intent_id in intents]


def api_count(world: DemoReady) -> int:
    ecs = admin(world, ENV, "ecs")
    return int(
        ecs.describe_services(cluster=f"{ENV}-cluster", services=["api"])["services"][0]["desiredCount"]
    )


def test_a_plan_makes_change_sets_and_closing_the_review_deletes_them(
    demo_world: DemoReady, demo_settings: Settings, tmp_path: Path
) -> None:
    services = changed_services(demo_settings, tmp_path)
    with services.stacks.plan(ENV, lint=False) as review:
        changed = {p.key for p in review.plan.stacks if p.action is PlanAction.UPDATE}
        assert changed == {"compute", "observability"}
        assert {stack for stack, _name, _status in available_change_sets(demo_world, ENV)} == {
            f"{ENV}-compute",
            f"{ENV}-observability",
        }
    assert available_change_sets(demo_world, ENV) == []
    assert deploys(services) == []


def test_an_upstream_failure_deletes_the_downstream_change_set_and_audits_failed(
    demo_world: DemoReady, demo_settings: Settings, tmp_path: Path
) -> None:
    services = changed_services(demo_settings, tmp_path)
    with services.stacks.plan(ENV, lint=False) as review:
        compute = next(p for p in review.plan.stacks if p.key == "compute")
        # Someone else deletes compute's change set between review and execution.
        admin(demo_world, ENV, "cloudformation").delete_change_set(ChangeSetName=compute.change_set_arn)
        outcomes = {o.key: o for o in review.execute()}
    assert outcomes["compute"].status is StackStatus.FAILED
    assert outcomes["observability"].message == "not started: upstream compute failed"
    assert available_change_sets(demo_world, ENV) == []
    intent, outcome = deploys(services)
    assert (intent["phase"], outcome["phase"], outcome["intent_id"]) == ("intent", "outcome", intent["id"])
    assert outcome["outcome"] == "failed"
    assert str(outcome["error"]).startswith(f"{ENV}-compute: ")
    assert outcome["error"] == f"{ENV}-compute: {outcomes['compute'].message}"
    # compute's change set was sent (and refused): its own intent and failed outcome.
    stack_intent, stack_outcome = deploys(services, stack=f"{ENV}-compute")
    assert stack_outcome["intent_id"] == stack_intent["id"] and stack_outcome["outcome"] == "failed"
    assert deploys(services, stack=f"{ENV}-observability") == []
    assert api_count(demo_world) == 2


def test_ctrl_c_during_the_deploy_deletes_what_did_not_run_and_audits_interrupted(
    demo_world: DemoReady, demo_settings: Settings, tmp_path: Path
) -> None:
    services = changed_services(demo_settings, tmp_path)
    stop = threading.Event()

    def first_outcome(outcome: StackOutcome) -> None:
        if not stop.is_set():  # one Ctrl-C, on the caller's thread, while the engine runs the first level
            _thread.interrupt_main()
            assert stop.wait(30)  # the caller stops the watching before the next level starts

    with pytest.raises(KeyboardInterrupt), services.stacks.plan(ENV, lint=False) as review:
        review.execute(on_outcome=first_outcome, stop=stop)
    assert available_change_sets(demo_world, ENV) == []
    intent, outcome = deploys(services)
    assert outcome["outcome"] == "interrupted" and outcome["intent_id"] == intent["id"]
    assert api_count(demo_world) == 2


def test_a_runbook_style_abort_in_the_middle_deletes_every_change_set(
    demo_world: DemoReady, demo_settings: Settings, tmp_path: Path
) -> None:
    services = changed_services(demo_settings, tmp_path)
    review = services.stacks.plan(ENV, lint=False)
    try:
        raise RuntimeError("the runbook was aborted before the deploy")
    except RuntimeError:
        pass
    finally:
        deleted = review.close()
    assert sorted(deleted) == [f"{ENV}-compute", f"{ENV}-observability"]
    assert available_change_sets(demo_world, ENV) == []
    assert review.close() == []


def test_cli_deploy_not_confirmed_leaves_no_change_set_and_no_deploy_record(
    demo_world: DemoReady, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = stacks_with(tmp_path, ENV, *CHANGES)
    config = config_with_own_journal(demo_world, tmp_path)
    config.write_text(config.read_text() + f'\n[stacks]\nroot = "{root}"\n', encoding="utf-8")
    monkeypatch.setattr("opsconsole.cli.prompts.interactive", lambda: True)
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    result = run_cli(capsys, "-c", str(config), "stacks", "deploy", ENV)
    assert result.code == 3, result.stderr
    assert "not confirmed; nothing was changed" in result.stderr
    assert available_change_sets(demo_world, ENV) == []
    audit = json.loads(run_cli(capsys, "-c", str(config), "audit", "list", "-o", "json").stdout)
    assert "stacks.deploy" not in [r["action"] for r in audit]
    assert "stacks.plan" in [r["action"] for r in audit]
    assert api_count(demo_world) == 2
