"""A small real AWS world for the team tests: a moto server over HTTP with IAM enforcement on, an
identity account with four operators (alice starts, bob approves by ARN, dave by group,
carol is no approver), and the team
table created as the baseline stack declares it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opsconsole.aws.team_store import create_table
from opsconsole.demo.accounts import IDENTITY_ACCOUNT, IDENTITY_REGION
from opsconsole.demo.server import MotoServer
from tests.support.forked_moto import forked_server

TABLE = "opsconsole-team"
APPROVERS_GROUP = "opsconsole-approvers"
_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["dynamodb:*", "sts:GetCallerIdentity", "iam:ListGroupsForUser"],
            "Resource": "*",
        }
    ],
}


@dataclass(frozen=True)
class Operator:
    name: str
    arn: str
    key_id: str
    secret: str

    def client(self, service: str, endpoint: str) -> Any:
        import boto3
        from botocore.config import Config

        return boto3.Session().client(
            service,
            endpoint_url=endpoint,
            region_name=IDENTITY_REGION,
            aws_access_key_id=self.key_id,
            aws_secret_access_key=self.secret,
            config=Config(retries={"total_max_attempts": 1}, connect_timeout=2, read_timeout=5),
        )


@dataclass
class TeamWorld:
    endpoint: str
    operators: dict[str, Operator]
    server: MotoServer

    def write_credentials(self, root: Path, name: str) -> tuple[Path, Path]:
        """An AWS config and credentials file pair for one operator, as the demo world writes them."""
        operator = self.operators[name]
        config, credentials = root / f"{name}-aws-config", root / f"{name}-aws-credentials"
        config.write_text(f"[profile {name}]\nregion = {IDENTITY_REGION}\n", encoding="utf-8")
        credentials.write_text(
            f"[{name}]\naws_access_key_id = {operator.key_id}\naws_secret_access_key = {operator.secret}\n",
            encoding="utf-8",
        )
        return config, credentials


def start_team_world(root: Path, run_root: Path) -> TeamWorld:
    import boto3

    server = forked_server(run_root, root)
    endpoint = server.start(timeout=90)
    iam = boto3.Session().client(
        "iam",
        endpoint_url=endpoint,
        region_name=IDENTITY_REGION,
        aws_access_key_id="b",
        aws_secret_access_key="b",
    )
    iam.meta.events.register(
        "before-sign.iam.*",
        lambda request, **_: request.headers.__setitem__("x-moto-account-id", IDENTITY_ACCOUNT),
    )
    iam.create_group(GroupName=APPROVERS_GROUP)
    operators = {}
    for name in ("alice", "bob", "carol", "dave"):
        arn = iam.create_user(UserName=name)["User"]["Arn"]
        iam.put_user_policy(UserName=name, PolicyName="team", PolicyDocument=json.dumps(_POLICY))
        key = iam.create_access_key(UserName=name)["AccessKey"]
        operators[name] = Operator(name, arn, key["AccessKeyId"], key["SecretAccessKey"])
    iam.add_user_to_group(GroupName=APPROVERS_GROUP, UserName="dave")  # an approver by group only
    create_table(operators["alice"].client("dynamodb", endpoint), TABLE)
    server.reset_auth(0)  # from here on moto checks every signature and policy
    return TeamWorld(endpoint, operators, server)
