"""Every invalid input to the deploy engine: one precise message, exit 2, before any API call.

The config points AWS at a closed port: any call that slipped through would fail with exit 1."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import run_cli

STACKS = Path(__file__).resolve().parents[2] / "stacks"


def config_for(tmp_path: Path, stacks_root: Path) -> Path:
    path = tmp_path / "opsconsole.toml"
    path.write_text(
        f"""
[aws]
endpoint_url = "http://127.0.0.1:9"
[stacks]
root = "{stacks_root}"
[environments.dev]
account_id = "111111111111"
region = "eu-west-1"
replica_region = "eu-central-1"
roles = {{ read = "arn:aws:iam::111111111111:role/R", deploy = "arn:aws:iam::111111111111:role/D" }}
""",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def estate_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "stacks"
    shutil.copytree(STACKS, root)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAFAKEFAKEFAKE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "fake")
    return root


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


CASES: dict[str, tuple[Callable[[Path], None], list[str], str]] = {
    "missing parameter": (
        lambda root: edit(root / "params" / "dev.toml", 'VpnInstanceType = "t3.small"\n', ""),
        ["plan", "dev"],
        "network: missing parameter VpnInstanceType (String, no default)",
    ),
    "value outside AllowedValues": (
        lambda root: edit(
            root / "params" / "dev.toml",
            'DbInstanceClass = "db.t4g.medium"',
            'DbInstanceClass = "db.t2.nano"',
        ),
        ["deploy", "dev", "--yes"],
        "data: DbInstanceClass = 'db.t2.nano' is not one of the AllowedValues",
    ),
    "unknown parameter": (
        lambda root: edit(
            root / "params" / "dev.toml", "[network]\n", '[network]\nVpcCdir = "10.0.0.0/16"\n'
        ),
        ["plan", "dev"],
        "network: unknown parameter VpcCdir",
    ),
    "output that does not exist": (
        lambda root: edit(
            root / "params" / "dev.toml", 'output = "network.VpcId" }', 'output = "network.VpcIdent" }'
        ),
        ["plan", "dev"],
        "takes network.VpcIdent, but network has no output VpcIdent",
    ),
    "unknown stack": (lambda root: None, ["plan", "dev", "netwrok"], "unknown stack netwrok"),
    "dependency cycle": (
        lambda root: edit(
            root / "stacks.toml",
            'template = "templates/network.yaml"\n',
            'template = "templates/network.yaml"\ndepends_on = ["edge"]\n',
        ),
        ["validate", "dev"],
        "dependency cycle: network -> edge -> compute -> network",
    ),
    "template cfn-lint rejects": (
        lambda root: edit(
            root / "templates" / "edge.yaml",
            "Type: AWS::Route53::HostedZone",
            "Type: AWS::Route53::HostedZon",
        ),
        ["deploy", "dev", "--yes"],
        "E3006",
    ),
    "params section for no stack": (
        lambda root: edit(root / "params" / "dev.toml", "[edge]", "[edges]"),
        ["validate", "dev"],
        "[edges] is not a stack of stacks.toml",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_invalid_input_exits_2_before_any_api_call(
    case: str, estate_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mutate, args, expected = CASES[case]
    mutate(estate_copy)
    config = config_for(tmp_path, estate_copy)
    result = run_cli(capsys, "-c", str(config), "stacks", *args)
    assert result.code == 2, result.stderr
    assert expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert "nothing was sent to AWS" in result.stderr or "unknown stack" in result.stderr


def test_every_problem_is_listed_at_once(
    estate_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(estate_copy / "params" / "dev.toml", 'VpnInstanceType = "t3.small"\n', "")
    edit(estate_copy / "params" / "dev.toml", "DaxNodes = 1", "DaxNodes = 99")
    result = run_cli(capsys, "-c", str(config_for(tmp_path, estate_copy)), "stacks", "validate", "dev")
    assert result.code == 2
    assert "2 problems in the stacks of dev" in result.stderr
    assert (
        "missing parameter VpnInstanceType" in result.stderr
        and "DaxNodes = 99 is above MaxValue 10" in result.stderr
    )


def test_the_shipped_estate_validates_for_every_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = config_for(tmp_path, STACKS)
    text = config.read_text(encoding="utf-8")
    for env, account in (("staging", "222222222222"), ("prod", "333333333333")):
        text += (
            f'\n[environments.{env}]\naccount_id = "{account}"\nregion = "eu-west-1"\nreplica_region = "eu-central-1"\n'
            f'roles = {{ read = "arn:aws:iam::{account}:role/R" }}\n'
        )
    config.write_text(text, encoding="utf-8")
    for env in ("dev", "staging", "prod"):
        result = run_cli(capsys, "-c", str(config), "stacks", "validate", env)
        assert result.code == 0, result.stderr
        assert (
            "deploy order: {network, security, replica} → {data, compute} → {edge, observability}"
            in result.stdout
        )
