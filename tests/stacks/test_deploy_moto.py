"""The whole estate deployed by the engine into dev, staging and prod on a moto server, then
checked through each service's own API with the account's own admin keys (not the engine's)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from opsconsole.app.console import Console
from opsconsole.config import Settings, load_settings
from opsconsole.demo.accounts import ENVIRONMENTS
from opsconsole.demo.world import DemoReady, DemoWorld
from opsconsole.domain.stacks import PlanAction, StackStatus
from tests.conftest import config_with_own_journal
from tests.helpers import run_cli
from tests.support.forked_moto import forked_server, run_root
from tests.world_helpers import admin

ENV_NAMES = [account.name for account in ENVIRONMENTS]


@pytest.fixture(scope="module")
def deployed_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoReady]:
    root = tmp_path_factory.mktemp("estate")
    server = forked_server(run_root(tmp_path_factory), root)
    world = DemoWorld(root=root, operator="alice", deploy_stacks=False, server=server)
    ready = world.start()
    settings = load_settings(ready.config_path, environ={})
    services = Console.build(settings)
    for env in ENV_NAMES:
        with services.stacks.plan(env, reason="test deploy") as review:
            outcomes = review.execute()
        assert [o.status for o in outcomes] == [StackStatus.COMPLETE] * 7, [o.message for o in outcomes]
    yield ready
    world.stop()


@pytest.mark.parametrize("env", ENV_NAMES)
def test_network(deployed_world: DemoReady, env: str) -> None:
    ec2 = admin(deployed_world, env, "ec2")
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [f"{env}-vpc"]}])["Vpcs"]
    assert len(vpcs) == 1
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpcs[0]["VpcId"]]}])["Subnets"]
    assert len(subnets) == 6
    assert len({s["AvailabilityZone"] for s in subnets}) == 3
    endpoints = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpcs[0]["VpcId"]]}])[
        "VpcEndpoints"
    ]
    assert {e["ServiceName"].rsplit(".", 1)[-1] for e in endpoints} >= {"s3", "api", "dkr"}


@pytest.mark.parametrize("env", ENV_NAMES)
def test_compute_cluster_services_and_task_definitions(deployed_world: DemoReady, env: str) -> None:
    ecs = admin(deployed_world, env, "ecs")
    cluster = f"{env}-cluster"
    assert ecs.describe_clusters(clusters=[cluster])["clusters"][0]["status"] == "ACTIVE"
    services = ecs.describe_services(
        cluster=cluster, services=ecs.list_services(cluster=cluster)["serviceArns"]
    )
    names = {s["serviceName"] for s in services["services"]}
    assert names == {"web", "api", "worker", "modsecurity", "varnish", "zabbix-agent"}
    api = ecs.describe_task_definition(taskDefinition=f"{env}-api")["taskDefinition"]
    container = api["containerDefinitions"][0]
    assert container["logConfiguration"]["logDriver"] == "gelf"
    assert container["logConfiguration"]["options"]["env"] == "env,service"
    environment = {e["name"]: e["value"] for e in container["environment"]}
    assert environment["env"] == env and environment["service"] == "api"
    expected_api = {"dev": 1, "staging": 2, "prod": 4}[env]
    assert next(s for s in services["services"] if s["serviceName"] == "api")["desiredCount"] == expected_api


@pytest.mark.parametrize("env", ENV_NAMES)
def test_database(deployed_world: DemoReady, env: str) -> None:
    db = admin(deployed_world, env, "rds").describe_db_instances(DBInstanceIdentifier=f"{env}-db")[
        "DBInstances"
    ][0]
    assert db["Engine"] == "postgres" and db["StorageEncrypted"] is True
    assert db["MultiAZ"] is (env == "prod")
    # moto's CFN DBInstance ignores DeletionProtection; the stack's parameters show what was asked.
    stack = admin(deployed_world, env, "cloudformation").describe_stacks(StackName=f"{env}-data")["Stacks"][0]
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
    assert parameters["DbDeletionProtection"] == ("true" if env == "prod" else "false")


@pytest.mark.parametrize("env", ENV_NAMES)
def test_kms_keys_buckets_and_table(deployed_world: DemoReady, env: str) -> None:
    account = next(a for a in ENVIRONMENTS if a.name == env)
    aliases = {a["AliasName"] for a in admin(deployed_world, env, "kms").list_aliases()["Aliases"]}
    assert {f"alias/{env}-data", f"alias/{env}-logs"} <= aliases
    replica_aliases = admin(deployed_world, env, "kms", "eu-central-1").list_aliases()["Aliases"]
    assert f"alias/{env}-replica" in {a["AliasName"] for a in replica_aliases}
    s3 = admin(deployed_world, env, "s3")
    rule = s3.get_bucket_encryption(Bucket=f"{env}-app-{account.account_id}")[
        "ServerSideEncryptionConfiguration"
    ]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    replica = s3.get_bucket_encryption(Bucket=f"{env}-app-replica-{account.account_id}")
    assert (
        replica["ServerSideEncryptionConfiguration"]["Rules"][0]["ApplyServerSideEncryptionByDefault"][
            "SSEAlgorithm"
        ]
        == "aws:kms"
    )
    table = admin(deployed_world, env, "dynamodb").describe_table(TableName=f"{env}-sessions")["Table"]
    assert table["TableStatus"] == "ACTIVE"
    assert [k["AttributeName"] for k in table["KeySchema"]] == ["pk", "sk"]


@pytest.mark.parametrize("env", ENV_NAMES)
def test_roles_and_trust_policies(deployed_world: DemoReady, env: str) -> None:
    iam = admin(deployed_world, env, "iam")
    jenkins = iam.get_role(RoleName=f"{env}-jenkins-deploy")["Role"]
    trust = jenkins["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else trust
    statement = trust["Statement"][0]
    assert statement["Principal"]["AWS"] == "arn:aws:iam::999999999999:role/jenkins"
    assert statement["Condition"]["StringEquals"]["sts:ExternalId"] == f"jenkins-{env}-deploy"
    trusted_services = set()
    for role in iam.list_roles()["Roles"]:
        document = role["AssumeRolePolicyDocument"]
        document = json.loads(document) if isinstance(document, str) else document
        for item in document["Statement"]:
            service = item.get("Principal", {}).get("Service")
            if service:
                trusted_services.add(service)
    assert {"ec2.amazonaws.com", "ecs-tasks.amazonaws.com", "s3.amazonaws.com"} <= trusted_services


def test_second_deploy_says_no_changes_and_exits_0(
    deployed_world: DemoReady, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = config_with_own_journal(deployed_world, tmp_path)
    result = run_cli(capsys, "-c", str(config), "stacks", "deploy", "dev", "--yes", "-o", "json")
    assert result.code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["result"] == "no changes"
    assert "dev: no changes" in result.stderr


def test_plan_after_a_parameter_change_lists_exactly_the_changed_resource(
    deployed_world: DemoReady, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "stacks"
    shutil.copytree(Path(__file__).resolve().parents[2] / "stacks", root)
    params = root / "params" / "staging.toml"
    params.write_text(params.read_text().replace("ApiCount = 2", "ApiCount = 5"), encoding="utf-8")
    config = config_with_own_journal(deployed_world, tmp_path)
    config.write_text(config.read_text() + f'\n[stacks]\nroot = "{root}"\n', encoding="utf-8")
    result = run_cli(capsys, "-c", str(config), "stacks", "plan", "staging", "-o", "json")
    assert result.code == 0, result.stderr
    plan = json.loads(result.stdout)
    changed = {s["stack"]: s for s in plan["stacks"] if s["action"] != "no changes"}
    assert list(changed) == ["compute"]
    assert [(c["logical_id"], c["action"]) for c in changed["compute"]["changes"]] == [
        ("ApiService", "Modify")
    ]
    assert changed["compute"]["parameters"] == [{"name": "ApiCount", "old": "2", "new": "5"}]
    audit = run_cli(capsys, "-c", str(config), "audit", "list", "-o", "json")
    actions = [r["action"] for r in json.loads(audit.stdout)]
    assert "stacks.plan" in actions


def test_prod_deploy_without_confirm_changes_nothing_and_exits_3(
    deployed_world: DemoReady, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "stacks"
    shutil.copytree(Path(__file__).resolve().parents[2] / "stacks", root)
    params = root / "params" / "prod.toml"
    params.write_text(params.read_text().replace("WebCount = 3", "WebCount = 6"), encoding="utf-8")
    config = config_with_own_journal(deployed_world, tmp_path)
    config.write_text(config.read_text() + f'\n[stacks]\nroot = "{root}"\n', encoding="utf-8")
    result = run_cli(capsys, "-c", str(config), "stacks", "deploy", "prod")
    assert result.code == 3
    assert "pass --confirm prod" in result.stderr
    ecs = admin(deployed_world, "prod", "ecs")
    web = ecs.describe_services(cluster="prod-cluster", services=["web"])["services"][0]
    assert web["desiredCount"] == 3
    assert json.loads(run_cli(capsys, "-c", str(config), "audit", "list", "-o", "json").stdout) == []


def test_engine_plan_is_no_changes_for_every_environment(deployed_world: DemoReady) -> None:
    settings: Settings = load_settings(deployed_world.config_path, environ={})
    services = Console.build(settings)
    for env in ENV_NAMES:
        with services.stacks.plan(env, lint=False) as review:
            assert {p.action for p in review.plan.stacks} == {PlanAction.NONE}


def test_baseline_stackset_reaches_every_environment_account(
    open_world_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_cli(
        capsys, "-c", str(open_world_config), "stacks", "baseline", "--yes", "--confirm", "prod", "-o", "json"
    )
    assert result.code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [(r["environment"], r["account"], r["status"]) for r in rows] == [
        ("dev", "111111111111", "CURRENT"),
        ("staging", "222222222222", "CURRENT"),
        ("prod", "333333333333", "CURRENT"),
    ]
    assert "updating StackSet opsconsole-baseline" in result.stderr


def test_baseline_without_confirming_prod_changes_nothing(
    open_world_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_cli(capsys, "-c", str(open_world_config), "stacks", "baseline", "--yes")
    assert result.code == 3
    assert "pass --confirm prod" in result.stderr


def test_status_outputs_events_and_watch(
    deployed_world: DemoReady, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(config_with_own_journal(deployed_world, tmp_path))
    status = run_cli(capsys, "-c", config, "stacks", "status", "staging", "-o", "json")
    assert status.code == 0
    assert {r["stack_name"]: r["simple_status"] for r in json.loads(status.stdout)}[
        "staging-replica"
    ] == "complete"
    outputs = run_cli(capsys, "-c", config, "stacks", "outputs", "staging", "network", "-o", "json")
    assert json.loads(outputs.stdout)["network"]["VpcId"].startswith("vpc-")
    events = run_cli(capsys, "-c", config, "stacks", "events", "staging", "network", "-o", "json")
    assert [e["status"] for e in json.loads(events.stdout)][-1] == "CREATE_COMPLETE"
    watch = run_cli(capsys, "-c", config, "stacks", "watch", "staging", "network")
    assert watch.code == 0 and "staging-network" in watch.stdout


def test_drift_on_the_emulator_says_what_is_missing(
    deployed_world: DemoReady, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(config_with_own_journal(deployed_world, tmp_path))
    result = run_cli(capsys, "-c", config, "stacks", "drift", "dev", "edge")
    assert result.code == 1
    assert "no drift detection" in result.stderr and "Traceback" not in result.stderr


def test_delete_checks_what_is_deployed_and_deletes_downstream_first(
    deployed_world: DemoReady, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(config_with_own_journal(deployed_world, tmp_path))
    refused = run_cli(capsys, "-c", config, "stacks", "delete", "staging", "compute", "--yes")
    assert refused.code == 2 and "edge, observability depend on what you would delete" in refused.stderr
    deleted = run_cli(capsys, "-c", config, "stacks", "delete", "staging", "edge", "observability", "--yes")
    assert deleted.code == 0, deleted.stderr
    assert deleted.stderr.index("deleting staging-observability") < deleted.stderr.index(
        "deleting staging-edge"
    )
    status = json.loads(run_cli(capsys, "-c", config, "stacks", "status", "staging", "-o", "json").stdout)
    gone = {r["stack"] for r in status if r["status"] == "NOT DEPLOYED"}
    assert gone == {"edge", "observability"}
    audit = json.loads(run_cli(capsys, "-c", config, "audit", "list", "-o", "json").stdout)
    deletes = [r for r in audit if r["action"] == "stacks.delete"]
    assert [(r["details"]["stack"], r["outcome"]) for r in deletes] == [
        ("staging-observability", "ok"),
        ("staging-edge", "ok"),
    ]

    again = run_cli(capsys, "-c", config, "stacks", "delete", "staging", "edge", "--yes")
    assert again.code == 0, again.stderr
    assert "staging-edge is not deployed; nothing to delete" in again.stderr
    assert "deleting" not in again.stderr
    # compute's dependents (edge, observability) are no longer deployed: they do not block it.
    compute = run_cli(capsys, "-c", config, "stacks", "delete", "staging", "compute", "--yes")
    assert compute.code == 0, compute.stderr
    assert "deleting staging-compute" in compute.stderr
    audit = json.loads(run_cli(capsys, "-c", config, "audit", "list", "-o", "json").stdout)
    assert [r["details"]["stack"] for r in audit if r["action"] == "stacks.delete"] == [
        "staging-observability",
        "staging-edge",
        "staging-compute",
    ]
