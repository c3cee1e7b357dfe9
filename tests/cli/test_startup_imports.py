"""Build on first use: a command pays only for the backends it reads.

`alerts list` against a Zabbix (the emulator, real HTTP) runs in a fresh interpreter and reports
which heavy modules it imported: no boto3, botocore or keyring (the role broker is never built),
no regex (the deploy engine's template checks: the stacks use case is never built), no graypy
(audit records go to Graylog from the first record on, and a read writes none). An ECS read
in the same way builds the broker (botocore, not boto3), so the check is not vacuous.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyzabbix.api import ZabbixAPI

from opsconsole.demo.zabbix.server import ZabbixEmulator

HEAVY = (
    "boto3",
    "botocore",
    "keyring",
    "regex",
    "pydantic",
    "graypy",
    "opsconsole.app.team",
    "opsconsole.app.stacks",
)

PROBE = """
import json, sys
from opsconsole.cli.main import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


@pytest.fixture(scope="module")
def zabbix() -> Iterator[ZabbixEmulator]:
    with ZabbixEmulator() as emulator:
        api = ZabbixAPI(emulator.url)
        api.login(api_token=emulator.add_token("setup"))
        api.hostgroup.create(name="dev")
        yield emulator


def write_config(tmp_path: Path, zabbix: ZabbixEmulator) -> Path:
    token = tmp_path / "token"
    token.write_text(zabbix.add_token("startup"), encoding="utf-8")
    config = tmp_path / "opsconsole.toml"
    config.write_text(
        f"""default_environment = "dev"

[identity]
aws_config_file = "{tmp_path / "aws-config"}"
aws_credentials_file = "{tmp_path / "aws-credentials"}"

[aws]
endpoint_url = "http://127.0.0.1:9"

[audit]
gelf = "udp://127.0.0.1:9"

[environments.dev]
account_id = "111111111111"
region = "eu-west-1"
zabbix = {{ host_groups = ["dev"] }}
[environments.dev.roles]
read = "arn:aws:iam::111111111111:role/OpsConsoleReadOnly"

[zabbix]
url = "{zabbix.url}"
token_command = "cat {token}"
""",
        encoding="utf-8",
    )
    return config


def run(tmp_path: Path, config: Path, *argv: str) -> tuple[int, set[str]]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "-c", str(config), *argv],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "OPSCONSOLE_STATE_DIR": str(tmp_path)},
        check=False,
    )
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert report["code"] in (0, 1), done.stderr.strip().splitlines()[:-1]
    return report["code"], set(report["modules"])


def test_alerts_list_builds_no_role_broker_and_no_stacks(tmp_path: Path, zabbix: ZabbixEmulator) -> None:
    config = write_config(tmp_path, zabbix)
    code, modules = run(tmp_path, config, "alerts", "list", "--env", "dev", "-o", "json")
    assert code == 0, "the Zabbix read itself works"
    assert "pyzabbix" in modules
    assert not [m for m in HEAVY if m in modules], "a Zabbix-only read imports none of these"


def test_an_ecs_read_builds_the_broker(tmp_path: Path, zabbix: ZabbixEmulator) -> None:
    """The same probe sees botocore when a command needs AWS (here it fails: nothing listens)."""
    config = write_config(tmp_path, zabbix)
    code, modules = run(tmp_path, config, "ecs", "services", "--env", "dev", "-o", "json")
    assert code != 0
    assert "botocore" in modules
    assert "boto3" not in modules and "regex" not in modules, "botocore's session is enough"
