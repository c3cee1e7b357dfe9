"""`opsconsole accounts` and `audit` against the moto world: data on stdout, diagnostics on stderr."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import run_cli


def test_accounts_list_json(demo_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "-c", str(demo_config), "accounts", "list", "-o", "json")
    assert result.code == 0
    rows = json.loads(result.stdout)
    assert [(r["environment"], r["account_id"], r["protected"]) for r in rows] == [
        ("dev", "111111111111", False),
        ("staging", "222222222222", False),
        ("prod", "333333333333", True),
    ]


def test_whoami_prod_prints_assumed_role_in_prods_account(
    demo_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_cli(
        capsys, "-c", str(demo_config), "accounts", "whoami", "--env", "prod", "--output", "json"
    )
    assert result.code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["arn"].startswith("arn:aws:sts::333333333333:assumed-role/OpsConsoleReadOnly/")
    assert data["account"] == "333333333333" and data["tier"] == "read"
    assert 3500 < data["expires_in_seconds"] <= 3600


def test_whoami_without_env_is_the_identity_account(
    demo_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_cli(capsys, "-c", str(demo_config), "accounts", "whoami", "-o", "json")
    assert result.code == 0
    assert json.loads(result.stdout)["arn"] == "arn:aws:iam::999999999999:user/alice"


def test_whoami_table_has_no_secret(demo_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "-c", str(demo_config), "accounts", "whoami", "--env", "dev")
    assert result.code == 0
    assert "assumed-role/OpsConsoleReadOnly" in result.stdout
    assert "ASIA" not in result.stdout + result.stderr


def test_assume_export_prints_shell_lines_and_is_audited(
    demo_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_cli(
        capsys, "-c", str(demo_config), "accounts", "assume", "dev", "--export", "--reason", "debug"
    )
    assert result.code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "unset AWS_PROFILE"
    exported = dict(line.removeprefix("export ").split("=", 1) for line in lines[1:])
    assert exported["AWS_ACCESS_KEY_ID"].startswith("ASIA")
    assert exported["AWS_REGION"] == "eu-west-1" and exported["OPSCONSOLE_ENV"] == "dev"
    assert exported["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")
    assert "assumed-role/OpsConsoleReadOnly" in result.stderr
    audit = run_cli(capsys, "-c", str(demo_config), "audit", "list", "-o", "json")
    records = json.loads(audit.stdout)
    assert [(r["action"], r["environment"], r["reason"]) for r in records] == [
        ("access.export_credentials", "dev", "debug")
    ]
    assert exported["AWS_SECRET_ACCESS_KEY"] not in audit.stdout


def test_assume_export_json_is_credential_process_format(
    demo_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_cli(
        capsys, "-c", str(demo_config), "accounts", "assume", "staging", "--export", "-o", "json"
    )
    assert result.code == 0
    data = json.loads(result.stdout)
    assert data["Version"] == 1 and set(data) == {
        "Version",
        "AccessKeyId",
        "SecretAccessKey",
        "SessionToken",
        "Expiration",
    }


def test_without_export_no_credentials_are_printed(
    demo_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_cli(capsys, "-c", str(demo_config), "accounts", "assume", "dev", "-o", "json")
    assert result.code == 0
    assert "SecretAccessKey" not in result.stdout and "AWS_SECRET" not in result.stdout
    assert "pass --export" in result.stderr


def test_protected_elevation_without_tty_names_the_flag_and_exits_3(
    demo_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_cli(
        capsys, "-c", str(demo_config), "accounts", "whoami", "--env", "prod", "--role", "operate"
    )
    assert result.code == 3
    assert result.stdout == ""
    assert "prod is protected" in result.stderr and "pass --confirm prod" in result.stderr


def test_protected_elevation_with_wrong_confirmation_is_refused(
    demo_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_cli(
        capsys,
        "-c",
        str(demo_config),
        "accounts",
        "whoami",
        "--env",
        "prod",
        "--role",
        "operate",
        "--confirm",
        "dev",
    )
    assert result.code == 3
    assert "--confirm dev does not match the environment prod" in result.stderr


def test_protected_elevation_with_confirmation_is_audited(
    demo_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_cli(
        capsys,
        "-c",
        str(demo_config),
        "accounts",
        "whoami",
        "--env",
        "prod",
        "--role",
        "deploy",
        "--confirm",
        "prod",
        "--reason",
        "CHG-7",
        "-o",
        "json",
    )
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)["arn"].startswith(
        "arn:aws:sts::333333333333:assumed-role/OpsConsoleDeployer/"
    )
    audit = run_cli(capsys, "-c", str(demo_config), "audit", "list", "--since", "1h", "-o", "json")
    [record] = json.loads(audit.stdout)
    assert (record["action"], record["tier"], record["reason"], record["account"]) == (
        "access.elevate",
        "deploy",
        "CHG-7",
        "333333333333",
    )


def test_read_only_flag_refuses_elevation(demo_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(
        capsys,
        "-c",
        str(demo_config),
        "--read-only",
        "accounts",
        "whoami",
        "--env",
        "dev",
        "--role",
        "operate",
    )
    assert result.code == 3
    assert "the console runs read-only" in result.stderr


def test_unknown_role_tier_is_invalid_input(demo_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "-c", str(demo_config), "accounts", "whoami", "--env", "dev", "--role", "admin")
    assert result.code == 2
    assert "unknown role tier 'admin'" in result.stderr


def test_mfa_needed_without_tty_names_the_flag(
    open_world_config: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPSCONSOLE_IDENTITY__MFA_SERIAL", "arn:aws:iam::999999999999:mfa/alice")
    result = run_cli(capsys, "-c", str(open_world_config), "accounts", "whoami", "--env", "dev")
    assert result.code == 2
    assert "--mfa-code" in result.stderr and "OPSCONSOLE_MFA_CODE" in result.stderr
    ok = run_cli(
        capsys,
        "-c",
        str(open_world_config),
        "accounts",
        "whoami",
        "--env",
        "dev",
        "--mfa-code",
        "123456",
        "-o",
        "json",
    )
    assert ok.code == 0, ok.stderr
    assert json.loads(ok.stdout)["account"] == "111111111111"


def test_audit_since_rejects_nonsense(demo_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "-c", str(demo_config), "audit", "list", "--since", "yesterday-ish")
    assert result.code == 2
    assert "use e.g. 30m, 2h, 7d" in result.stderr
