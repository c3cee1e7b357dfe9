"""The demo's team: a second operator (bob, or alice when you are bob), an approvers group, and the
team table in the identity account, so two terminals can show locks and four-eyes approvals.
Runs before IAM enforcement is switched on, like the rest of the bootstrap."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from opsconsole.demo.accounts import DEMO_PROFILE, IDENTITY_ACCOUNT, IDENTITY_REGION
from opsconsole.demo.bootstrap import AccessKey
from opsconsole.paths import write_private

TEAM_TABLE = "opsconsole-team"
APPROVERS_GROUP = "opsconsole-approvers"
_TEAM_ACTIONS = ["dynamodb:*", "iam:ListGroupsForUser"]
_PEER_ACTIONS = [
    "sts:AssumeRole",
    "sts:GetSessionToken",
    "sts:GetCallerIdentity",
    "iam:GetUser",
    "iam:ListMFADevices",
]


@dataclass(frozen=True)
class TeamPeer:
    name: str
    arn: str
    key: AccessKey

    @property
    def profile(self) -> str:
        return f"{DEMO_PROFILE}-{self.name}"


def bootstrap_team(endpoint: str, operator: str) -> TeamPeer:
    """Create the peer operator, the approvers group (the peer in it) and the team table."""
    import boto3

    from opsconsole.aws.team_store import create_table

    session = boto3.Session()
    clients = {
        service: session.client(
            service,
            endpoint_url=endpoint,
            region_name=IDENTITY_REGION,
            aws_access_key_id="bootstrap",
            aws_secret_access_key="bootstrap",
        )
        for service in ("iam", "dynamodb")
    }
    for service, client in clients.items():
        client.meta.events.register(
            f"before-sign.{service}.*",
            lambda request, **_: request.headers.__setitem__("x-moto-account-id", IDENTITY_ACCOUNT),
        )
    iam = clients["iam"]
    peer = "alice" if operator == "bob" else "bob"
    arn = iam.create_user(UserName=peer)["User"]["Arn"]
    iam.put_user_policy(
        UserName=peer, PolicyName="AssumeOpsConsoleRoles", PolicyDocument=_policy(_PEER_ACTIONS)
    )
    for user in (operator, peer):
        iam.put_user_policy(UserName=user, PolicyName="OpsConsoleTeam", PolicyDocument=_policy(_TEAM_ACTIONS))
    iam.create_group(GroupName=APPROVERS_GROUP)
    iam.add_user_to_group(GroupName=APPROVERS_GROUP, UserName=peer)
    key = iam.create_access_key(UserName=peer)["AccessKey"]
    create_table(clients["dynamodb"], TEAM_TABLE)
    return TeamPeer(peer, arn, AccessKey(key["AccessKeyId"], key["SecretAccessKey"]))


def team_section() -> str:
    """The world's [team]: written with the config, before the table exists, because a console
    opened while the world starts (`opsconsole demo`) reads its settings once; its team reads wait
    for the world like every other AWS read (AppContext.broker)."""
    return f'\n[team]\ntable = "{TEAM_TABLE}"\napprover_groups = ["{APPROVERS_GROUP}"]\n'


def write_team_files(root: Path, config_path: Path, peer: TeamPeer) -> Path:
    """Write the peer's credentials and config; returns the peer's config
    (`OPSCONSOLE_CONFIG=that opsconsole` is the second terminal)."""
    text = config_path.read_text(encoding="utf-8")
    credentials = root / "aws-credentials"
    write_private(
        credentials,
        credentials.read_text(encoding="utf-8")
        + f"[{peer.profile}]\naws_access_key_id = {peer.key.access_key_id}\n"
        f"aws_secret_access_key = {peer.key.secret_access_key}\n",
    )
    aws_config = root / "aws-config"
    write_private(
        aws_config,
        aws_config.read_text(encoding="utf-8") + f"[profile {peer.profile}]\nregion = {IDENTITY_REGION}\n",
    )
    peer_text = re.sub(r'^operator = ".*"$', f'operator = "{peer.name}"', text, count=1, flags=re.MULTILINE)
    peer_text = peer_text.replace(f'profile = "{DEMO_PROFILE}"', f'profile = "{peer.profile}"', 1).replace(
        str(root / "audit.jsonl"), str(root / f"audit-{peer.name}.jsonl"), 1
    )
    peer_config = root / f"opsconsole-{peer.name}.toml"
    write_private(peer_config, peer_text)
    return peer_config


def _policy(actions: list[str]) -> str:
    return json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}
    )
