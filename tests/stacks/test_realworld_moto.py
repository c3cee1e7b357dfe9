"""The real-world-shaped estate planned and deployed on a moto server over HTTP (the open demo
world: no IAM enforcement, no shipped stacks): deferred stacks, honest reviews, names and tags."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest

from opsconsole.app.console import Console
from opsconsole.config import load_settings
from opsconsole.demo.world import DemoReady
from opsconsole.domain.stacks import PlanAction, StackStatus
from tests.helpers import run_cli
from tests.stacks.test_realworld_validation import REALWORLD
from tests.world_helpers import admin

# The nested-stack parent (app) needs packaging into an artifacts bucket; its own tests do that.
STACKS = ["vpc", "cluster", "db", "names"]


def available(world: DemoReady, env: str, prefix: str) -> list[str]:
    """Change sets still executable on the stacks whose names start with `prefix` (read with the
    account's admin keys; moto lists every change set of the region whichever stack is asked)."""
    cfn = admin(world, env, "cloudformation")
    found = set()
    for summary in cfn.list_stacks()["StackSummaries"]:
        for change_set in cfn.list_change_sets(StackName=summary["StackId"]).get("Summaries", []):
            if (
                change_set["StackName"].startswith(prefix)
                and change_set.get("ExecutionStatus") == "AVAILABLE"
            ):
                found.add(f"{change_set['StackName']}/{change_set['ChangeSetName']}")
    return sorted(found)


def estate_config(world: DemoReady, tmp_path: Path, prefix: str) -> tuple[Path, Path]:
    """A copy of the estate with its own name prefix (each test deploys its own stacks) and
    `names` depending explicitly on `cluster`, and a config pointing at it."""
    root = tmp_path / "realworld"
    shutil.copytree(REALWORLD, root)
    manifest = root / "stacks.toml"
    text = manifest.read_text(encoding="utf-8").replace(
        'prefix = "shop-{env}"', f'prefix = "{prefix}-{{env}}"'
    )
    text = text.replace(
        'template = "templates/java-pattern.yaml"',
        'template = "templates/java-pattern.yaml"\ndepends_on = ["cluster"]',
    )
    text = text.replace('name = "legacy-db-{env}"', f'name = "{prefix}-legacy-db-{{env}}"')
    manifest.write_text(text, encoding="utf-8")
    # names' SSM parameter is /{env}/shop/{ServiceName}/owner: one per prefix, since the tests that
    # share a world each deploy it (a killed deploy leaves its own behind)
    dev = (root / "params" / "dev.toml").read_text(encoding="utf-8")
    dev = dev.replace('ServiceName = "web-api+v2"', f'ServiceName = "{prefix}-web-api+v2"')
    (root / "params" / "dev.toml").write_text(dev, encoding="utf-8")
    for env in ("staging", "prod"):
        (root / "params" / f"{env}.toml").write_text(dev.replace('"dev"', f'"{env}"'), encoding="utf-8")
    config = tmp_path / "opsconsole.toml"
    text = world.config_path.read_text(encoding="utf-8")
    lines = [
        f'journal = "{tmp_path / "audit.jsonl"}"' if ln.startswith("journal = ") else ln
        for ln in text.splitlines()
    ]
    config.write_text("\n".join(lines) + f'\n[stacks]\nroot = "{root}"\n', encoding="utf-8")
    return root, config


def test_plan_defers_explicit_dependents_and_lists_create_parameters(
    open_world: DemoReady, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _root, config = estate_config(open_world, tmp_path, "plan")
    result = run_cli(capsys, "-c", str(config), "stacks", "plan", "dev", *STACKS, "-o", "json")
    assert result.code == 0, result.stderr
    plans = {s["stack"]: s for s in json.loads(result.stdout)["stacks"]}
    assert {k: p["action"] for k, p in plans.items()} == {
        "vpc": "create",
        "cluster": "after upstream",
        "db": "after upstream",
        "names": "after upstream",
    }
    assert plans["names"]["note"] == "planned when cluster is deployed"
    assert plans["vpc"]["stack_name"] == "plan-dev-vpc" and plans["db"]["stack_name"] == "plan-legacy-db-dev"
    vpc_parameters = {p["name"]: p["new"] for p in plans["vpc"]["parameters"]}
    assert vpc_parameters == {"EnvironmentName": "dev", "VpcCIDR": "10.192.0.0/16"}
    db_parameters = {p["name"]: p["new"] for p in plans["db"]["parameters"]}
    assert db_parameters["DBPassword"] == "****" and db_parameters["DBUser"] == "****"
    assert db_parameters["SubnetIds"] == "(output vpc.PrivateSubnets)"
    assert {c["logical_id"] for c in plans["db"]["changes"]} == {"DBSubnetGroup", "MainDB"}
    assert "not-a-real-secret-1" not in result.stdout + result.stderr
    assert available(open_world, "dev", "plan-") == []


def test_deploy_shows_each_deferred_plan_then_deploys_with_names_and_tags(
    open_world: DemoReady, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _root, config = estate_config(open_world, tmp_path, "dep")
    result = run_cli(capsys, "-c", str(config), "stacks", "deploy", "dev", *STACKS, "--yes")
    assert result.code == 0, result.stderr
    for name in ("dep-dev-cluster", "dep-legacy-db-dev", "dep-dev-names"):
        assert f"{name} was deferred; its plan now that its upstreams are deployed:" in result.stderr
    # The review before the one confirmation listed the deferred stacks and the create's parameters.
    review = result.stdout[: result.stdout.index("STACK")]
    assert "dep-dev-names" in review and "after upstream" in review
    assert "+ parameter VpcCIDR = 10.192.0.0/16" in review
    assert "dep-dev-vpc: deployed" in result.stderr
    cfn = admin(open_world, "dev", "cloudformation")
    stack = cfn.describe_stacks(StackName="dep-legacy-db-dev")["Stacks"][0]
    tags = {t["Key"]: t["Value"] for t in stack["Tags"]}
    assert tags == {"product": "shop", "cost-center": "1234", "env": "dev"}
    names = cfn.describe_stacks(StackName="dep-dev-names")["Stacks"][0]
    assert names["StackStatus"] == "CREATE_COMPLETE"


def test_a_declined_deferred_stack_is_not_started_and_leaves_nothing(
    open_world: DemoReady, tmp_path: Path
) -> None:
    _root, config = estate_config(open_world, tmp_path, "dec")
    settings = load_settings(config, environ={})
    console = Console.build(dataclasses.replace(settings, stacks_root=str(_root)))
    seen: list[str] = []

    def decline(stack_plan: object) -> bool:
        seen.append(getattr(stack_plan, "stack_name", ""))
        return False

    with console.stacks.plan("prod", ["vpc", "cluster"], lint=False) as review:
        assert [p.action for p in review.plan.stacks] == [PlanAction.CREATE, PlanAction.DEFERRED]
        outcomes = {o.key: o for o in review.execute(approve_deferred=decline)}
    assert seen == ["dec-prod-cluster"]
    assert outcomes["vpc"].status is StackStatus.COMPLETE
    assert outcomes["cluster"].status is StackStatus.ABSENT
    assert outcomes["cluster"].message == "not started: declined at review"
    cfn = admin(open_world, "prod", "cloudformation")
    live = {
        s["StackName"] for s in cfn.list_stacks()["StackSummaries"] if s["StackStatus"] != "DELETE_COMPLETE"
    }
    assert "dec-prod-vpc" in live and "dec-prod-cluster" not in live
    assert available(open_world, "prod", "dec-") == []


def test_an_explicit_upstream_that_is_not_deployed_holds_its_dependent_back(
    open_world: DemoReady, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`names` depends on `cluster` (depends_on only, no output taken): deployed alone while
    cluster is not deployed, it is deferred and never started (a public Fargate service whose
    cluster had failed was sent anyway and failed on its missing exports)."""
    _root, config = estate_config(open_world, tmp_path, "ups")
    plan = run_cli(capsys, "-c", str(config), "stacks", "plan", "dev", "names", "-o", "json")
    assert plan.code == 0, plan.stderr
    [names] = json.loads(plan.stdout)["stacks"]
    assert (names["action"], names["note"]) == ("after upstream", "planned when cluster is deployed")
    result = run_cli(capsys, "-c", str(config), "stacks", "deploy", "dev", "names", "--yes", "-o", "json")
    assert result.code == 1, result.stderr
    [outcome] = json.loads(result.stdout)["stacks"]
    assert outcome["message"] == "not started: planned when cluster is deployed"
    cfn = admin(open_world, "dev", "cloudformation")
    assert not [s for s in cfn.list_stacks()["StackSummaries"] if s["StackName"].startswith("ups-")]
    assert available(open_world, "dev", "ups-") == []


FOREACH = """AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::LanguageExtensions
Description: Tables made by Fn::ForEach, the shape of the public fn-foreach samples
Resources:
  Fn::ForEach::Tables:
    - Name
    - [Orders, Carts]
    - ${Name}Table:
        Type: AWS::DynamoDB::Table
        Properties:
          BillingMode: PAY_PER_REQUEST
          AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
          KeySchema: [{AttributeName: pk, KeyType: HASH}]
"""


def test_an_endpoint_answering_an_error_page_to_a_change_set_is_one_message_not_a_traceback(
    open_world: DemoReady, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # moto cannot process the LanguageExtensions transform and answers an HTML 500 page, which
    # botocore raises as ResponseParserError (not a ClientError): it escaped as a traceback.
    root, config = estate_config(open_world, tmp_path, "each")
    (root / "templates" / "foreach.yaml").write_text(FOREACH, encoding="utf-8")
    with (root / "stacks.toml").open("a", encoding="utf-8") as manifest:
        manifest.write(
            '\n[stacks.foreach]\ntemplate = "templates/foreach.yaml"\ncapabilities = ["CAPABILITY_AUTO_EXPAND"]\n'
        )
    result = run_cli(capsys, "-c", str(config), "stacks", "plan", "dev", "foreach")
    assert result.code == 1, result.stdout + result.stderr
    assert "create a change set for each-dev-foreach failed in dev" in result.stderr
    assert "Traceback" not in result.stderr
