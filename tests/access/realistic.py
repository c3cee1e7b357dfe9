"""A realistic ~/.aws/config around the open demo world (no IAM enforcement, so MFA sessions work).

Profiles per environment, a chained source_profile, external ids, per-profile MFA, a
credential_process profile and an sso-session; plus helpers to run the CLI as a separate process
and to count what the moto server saw (its /moto-api/data.json), so reuse is measured at the server.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from opsconsole.demo.world import DemoReady

MFA = "arn:aws:iam::999999999999:mfa/alice"
PROD_ROLE = "arn:aws:iam::333333333333:role/OpsConsoleReadOnly"
DEV_ROLE = "arn:aws:iam::111111111111:role/OpsConsoleReadOnly"
STAGING_ROLE = "arn:aws:iam::222222222222:role/OpsConsoleReadOnly"
HOP_ROLE = "arn:aws:iam::999999999999:role/OpsConsoleJump"


@dataclass
class Setup:
    root: Path
    world: DemoReady
    config: Path
    aws_config: Path
    aws_credentials: Path
    session_tag: str

    def env(self, **extra: str) -> dict[str, str]:
        base = {
            k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "OPSCONSOLE_", "PYTHON_KEYRING"))
        }
        base.update(
            {
                "HOME": str(self.root / "home"),
                "OPSCONSOLE_CONFIG": str(self.config),
                "OPSCONSOLE_STATE_DIR": str(self.root / "state"),
                "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
                "NO_COLOR": "1",
                "COLUMNS": "200",
            }
        )
        base.update(extra)
        return base

    def run(self, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        """The CLI in its own process, stdin not a terminal."""
        return subprocess.run(
            [sys.executable, "-c", "from opsconsole.cli.main import run; run()", *args],
            env=self.env(**extra),
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=120,
            check=False,
        )


def server_sts(world: DemoReady) -> dict[str, list[dict[str, object]]]:
    with urllib.request.urlopen(world.endpoint + "/moto-api/data.json", timeout=30) as answer:
        data = json.load(answer)
    sts = data.get("sts", {})
    return {"AssumeRole": list(sts.get("AssumedRole", [])), "Token": list(sts.get("Token", []))}


def assume_calls(world: DemoReady, role_arn: str, session_name: str) -> list[dict[str, object]]:
    return [
        call
        for call in server_sts(world)["AssumeRole"]
        if call.get("role_arn") == role_arn and call.get("session_name") == session_name
    ]


def write_setup(world: DemoReady, root: Path, tag: str) -> Setup:
    """Files as an operator has them: ~/.aws/config, ~/.aws/credentials, the console's TOML."""
    home = root / "home"
    (home / ".aws").mkdir(parents=True)
    key = world.accounts.operator_key
    aws_credentials = home / ".aws" / "credentials"
    aws_credentials.write_text(
        f"[identity]\naws_access_key_id = {key.access_key_id}\naws_secret_access_key = {key.secret_access_key}\n",
        encoding="utf-8",
    )
    process = root / "creds.py"
    process.write_text(
        "import json\nprint(json.dumps({'Version': 1, "
        f"'AccessKeyId': {key.access_key_id!r}, 'SecretAccessKey': {key.secret_access_key!r}}}))\n",
        encoding="utf-8",
    )
    aws_config = home / ".aws" / "config"
    aws_config.write_text(
        textwrap.dedent(
            f"""\
            [profile identity]
            region = us-east-1
            mfa_serial = {MFA}

            [profile dev-read]
            role_arn = {DEV_ROLE}
            source_profile = identity
            external_id = opsconsole-dev
            role_session_name = {tag}-dev
            duration_seconds = 1800
            region = eu-west-1

            [profile jump]
            role_arn = {HOP_ROLE}
            source_profile = identity

            [profile staging-read]
            role_arn = {STAGING_ROLE}
            source_profile = jump
            external_id = opsconsole-staging
            role_session_name = {tag}-staging
            region = eu-west-1

            [profile prod-read]
            role_arn = {PROD_ROLE}
            source_profile = identity
            external_id = opsconsole-prod
            role_session_name = {tag}-prod
            duration_seconds = 2700
            mfa_serial = {MFA}
            region = eu-west-1

            [profile tooling]
            credential_process = {sys.executable} {process}
            region = us-east-1

            [sso-session corp]
            sso_start_url = https://corp.awsapps.com/start
            sso_region = eu-west-1
            sso_registration_scopes = sso:account:access

            [profile sso-dev]
            sso_session = corp
            sso_account_id = 111111111111
            sso_role_name = ReadOnly
            region = eu-west-1
            """
        ),
        encoding="utf-8",
    )
    config = root / "opsconsole.toml"
    config.write_text(
        textwrap.dedent(
            f"""\
            [aws]
            endpoint_url = "{world.endpoint}"

            [identity]
            profile = "identity"
            operator = "alice"

            [audit]
            journal = "{root / "audit.jsonl"}"

            [environments.dev]
            profile = "dev-read"

            [environments.staging]
            profile = "staging-read"

            [environments.prod]
            profile = "prod-read"
            protected = true
            """
        ),
        encoding="utf-8",
    )
    return Setup(root, world, config, aws_config, aws_credentials, tag)
