"""A source_profile chain read as botocore reads it: each role in between is assumed with its own
profile's external_id, and an MFA device on the way signs the chain's first call. Then the hops
as sent: a fake STS client records every AssumeRole."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from opsconsole.aws.assume import assume_chain
from opsconsole.config.aws_profiles import load_profiles, resolve

JUMP = "arn:aws:iam::999999999999:role/Jump"
STAGING = "arn:aws:iam::222222222222:role/OpsConsoleReadOnly"
MFA = "arn:aws:iam::999999999999:mfa/alice"


def profiles(tmp_path: Path) -> tuple[dict[str, dict[str, Any]], Path]:
    path = tmp_path / "config"
    path.write_text(
        textwrap.dedent(
            f"""\
            [profile identity]
            region = us-east-1

            [profile jump]
            role_arn = {JUMP}
            source_profile = identity
            external_id = jump-secret
            mfa_serial = {MFA}

            [profile staging-read]
            role_arn = {STAGING}
            source_profile = jump
            external_id = opsconsole-staging
            """
        ),
        encoding="utf-8",
    )
    return load_profiles(path), path


def test_the_jump_profiles_external_id_and_mfa_device_come_with_the_chain(tmp_path: Path) -> None:
    found, path = profiles(tmp_path)
    role = resolve(found, "staging-read", path)
    assert role.values["via_roles"] == [JUMP]
    assert role.values["via_external_ids"] == ["jump-secret"]
    assert role.values["external_id"] == "opsconsole-staging"
    assert role.values["mfa_serial"] == MFA and role.origin["mfa_serial"] == "staging-read"


class RecordingSts:
    def __init__(self, calls: list[dict[str, Any]]) -> None:
        self.calls = calls

    def assume_role(self, **params: Any) -> dict[str, Any]:
        self.calls.append(params)
        return {
            "Credentials": {
                "AccessKeyId": f"ASIA{len(self.calls)}",
                "SecretAccessKey": "s",
                "SessionToken": "t",
                "Expiration": datetime(2030, 1, 1, tzinfo=UTC),
            },
            "AssumedRoleUser": {
                "Arn": f"{params['RoleArn']}/s".replace(":iam:", ":sts:"),
                "AssumedRoleId": "AROA:s",
            },
        }


def test_each_hop_is_assumed_with_its_own_external_id(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from opsconsole.domain.environment import Environment, RoleTier

    calls: list[dict[str, Any]] = []
    env = Environment(
        name="staging",
        account_id="222222222222",
        region="eu-west-1",
        roles={RoleTier.READ: STAGING},
        external_id="opsconsole-staging",
        via_roles=(JUMP,),
        via_external_ids=("jump-secret",),
    )
    source = SimpleNamespace(sts_client=lambda serial: RecordingSts(calls))
    plan = SimpleNamespace(env=env, role_arn=STAGING, session_name="opsconsole-alice", mfa_serial=None)
    assume_chain(source, plan, lambda keys: RecordingSts(calls))  # type: ignore[arg-type]
    assert [(c["RoleArn"], c.get("ExternalId")) for c in calls] == [
        (JUMP, "jump-secret"),
        (STAGING, "opsconsole-staging"),
    ]
