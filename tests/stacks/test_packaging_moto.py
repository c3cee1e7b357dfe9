"""Packaging on a moto server over HTTP: a parent whose nested stacks name local templates, and a
template over CloudFormation's 51,200-byte inline limit, go through the account's artifacts
bucket (made on first use: versioned, KMS, public access blocked, lifecycle) under sha256 keys."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from opsconsole.demo.world import DemoReady
from opsconsole.stacks.packaging import INLINE_LIMIT, bucket_name
from tests.helpers import run_cli
from tests.stacks.test_realworld_moto import estate_config
from tests.world_helpers import admin

DEV_ACCOUNT = "111111111111"


def big_template(path: Path) -> None:
    """A template over the inline limit: the shape of large real-world ones (many similar
    resources), here SSM parameters with long descriptions."""
    resources = {
        f"Setting{i:03d}": {
            "Type": "AWS::SSM::Parameter",
            "Properties": {
                "Name": {"Fn::Sub": f"/${{EnvironmentName}}/big/setting-{i:03d}"},
                "Type": "String",
                "Value": f"value-{i:03d}",
                "Description": f"Setting {i:03d} of the large template. " + "x" * 300,
            },
        }
        for i in range(150)
    }
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": {"EnvironmentName": {"Type": "String"}},
        "Resources": resources,
    }
    path.write_text(json.dumps(template, indent=2), encoding="utf-8")
    assert path.stat().st_size > INLINE_LIMIT


def test_nested_local_templates_and_a_large_one_deploy_through_the_artifacts_bucket(
    open_world: DemoReady, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, config = estate_config(open_world, tmp_path, "pkg")
    big_template(root / "templates" / "big.json")
    manifest = root / "stacks.toml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8") + '\n[stacks.big]\ntemplate = "templates/big.json"\n',
        encoding="utf-8",
    )
    result = run_cli(capsys, "-c", str(config), "stacks", "deploy", "dev", "app", "big", "--yes")
    assert result.code == 0, result.stderr + result.stdout

    s3 = admin(open_world, "dev", "s3")
    bucket = bucket_name(DEV_ACCOUNT, "eu-west-1")
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values()) and len(block) == 4
    lifecycle = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert lifecycle[0]["NoncurrentVersionExpiration"]["NoncurrentDays"] == 30

    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    big = (root / "templates" / "big.json").read_text(encoding="utf-8")
    assert f"templates/{hashlib.sha256(big.encode()).hexdigest()}.json" in keys
    for nested in ("queues.yaml", "storage.yaml"):
        text = (root / "templates" / "nested" / nested).read_text(encoding="utf-8")
        assert f"templates/{hashlib.sha256(text.encode()).hexdigest()}.yaml" in keys

    cfn = admin(open_world, "dev", "cloudformation")
    parent = cfn.get_template(StackName="pkg-dev-app")["TemplateBody"]
    parent = parent if isinstance(parent, dict) else json.loads(parent)
    urls = [r["Properties"]["TemplateURL"] for r in parent["Resources"].values()]
    assert all(url.startswith(f"https://{bucket}.s3.eu-west-1.amazonaws.com/templates/") for url in urls)
    live = {s["StackName"]: s["StackStatus"] for s in cfn.list_stacks()["StackSummaries"]}
    children = [name for name in live if name.startswith("pkg-dev-app-")]
    assert len(children) == 2 and {live[n] for n in children} == {"CREATE_COMPLETE"}, live
    # The nested stacks' events stream with the parent's, and `stacks events` merges them: moto
    # reports them only in each child's own events (AWS in the parent's too), so they are found
    # from the parent's resources once it settles.
    for child in children:
        assert f"  {child}  {child}  CREATE_COMPLETE" in result.stderr
    events = run_cli(capsys, "-c", str(config), "stacks", "events", "dev", "app", "-o", "json")
    assert events.code == 0, events.stderr
    assert {e["stack"] for e in json.loads(events.stdout)} == {"pkg-dev-app", *children}
    assert live["pkg-dev-big"] == "CREATE_COMPLETE"
    assert (
        admin(open_world, "dev", "ssm").get_parameter(Name="/dev/big/setting-149")["Parameter"]["Value"]
        == "value-149"
    )

    again = run_cli(capsys, "-c", str(config), "stacks", "plan", "dev", "app", "big", "-o", "json")
    assert again.code == 0, again.stderr
    assert {s["action"] for s in json.loads(again.stdout)["stacks"]} == {"no changes"}
    assert {o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]} == keys


def test_a_template_url_that_cannot_be_read_is_named(open_world: DemoReady) -> None:
    """A change set whose TemplateURL CloudFormation cannot read fails with the URL in the
    message (moto answers NoSuchBucket for a bucket that does not exist; it reads any account's
    bucket, so a bucket owned by another account cannot show this here)."""
    from datetime import UTC, datetime

    from opsconsole.aws.cloudformation import CloudFormation
    from opsconsole.domain.environment import RoleTier
    from opsconsole.domain.errors import BackendError
    from opsconsole.domain.identity import CallerIdentity, RoleSession
    from opsconsole.domain.stacks import StackSpec

    identity = CallerIdentity(DEV_ACCOUNT, f"arn:aws:iam::{DEV_ACCOUNT}:user/admin", "AIDA")
    session = RoleSession(
        "dev", RoleTier.DEPLOY, identity.arn, "test", identity, datetime.now(UTC), "eu-west-1"
    )
    cfn = CloudFormation(lambda region: admin(open_world, "dev", "cloudformation", region), session)
    url = "https://opsconsole-artifacts-nobody-eu-west-1.s3.eu-west-1.amazonaws.com/templates/abc.json"
    spec = StackSpec("gone", "url-dev-gone", "templates/gone.json", "", "eu-west-1")
    with pytest.raises(BackendError) as failure:
        cfn.create_change_set(spec, {}, update=False, name="opsconsole-test", url=url)
    assert f"create a change set for url-dev-gone from {url} failed in dev" in str(failure.value.message)
