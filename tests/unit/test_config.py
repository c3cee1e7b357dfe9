"""Configuration: search order, overrides, and one clear message with exit code 2 per mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsconsole.config import find_config, load_settings, parse_settings
from opsconsole.domain.environment import RoleTier
from opsconsole.domain.errors import ConfigError
from tests.helpers import run_cli

VALID = """\
default_environment = "dev"

[identity]
profile = "identity"

[environments.dev]
account_id = "111111111111"
region = "eu-west-1"
external_id = "opsconsole-dev"
roles = { read = "arn:aws:iam::111111111111:role/OpsConsoleReadOnly", operate = "arn:aws:iam::111111111111:role/OpsConsoleOperator" }

[environments.prod]
account_id = "333333333333"
region = "eu-west-1"
protected = true
[environments.prod.roles]
read = "arn:aws:iam::333333333333:role/OpsConsoleReadOnly"
deploy = "arn:aws:iam::333333333333:role/OpsConsoleDeployer"
"""


def write(tmp_path: Path, text: str, name: str = "bad.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_file_resolves_environments_and_roles(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, VALID), environ={})
    assert list(settings.environments) == ["dev", "prod"]
    prod = settings.environment("prod")
    assert prod.protected is True
    assert prod.role_arn(RoleTier.DEPLOY) == "arn:aws:iam::333333333333:role/OpsConsoleDeployer"
    assert prod.role_arn(RoleTier.OPERATE) is None
    assert settings.environment("dev").external_id == "opsconsole-dev"


def test_starter_file_from_config_init_is_valid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "starter.toml"
    result = run_cli(capsys, "config", "init", "--path", str(target))
    assert result.code == 0 and result.stdout.strip() == str(target)
    settings = load_settings(target, environ={})
    assert set(settings.environments) == {"dev", "staging", "prod"}
    assert settings.environment("prod").protected


def test_config_init_never_overwrites_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = write(tmp_path, VALID, "mine.toml")
    result = run_cli(capsys, "config", "init", "--path", str(target))
    assert result.code == 2
    assert "already exists" in result.stderr and "--force" in result.stderr
    assert target.read_text(encoding="utf-8") == VALID


def test_search_order_explicit_then_env_then_cwd_then_user_dir(tmp_path: Path) -> None:
    user_dir = tmp_path / "xdg-config" / "opsconsole"
    user_dir.mkdir(parents=True)
    user_file = write(user_dir, VALID, "config.toml")
    assert find_config(None, {}) == user_file
    cwd_file = write(tmp_path, VALID, "opsconsole.toml")
    assert find_config(None, {}) == cwd_file
    env_file = write(tmp_path, VALID, "from-env.toml")
    assert find_config(None, {"OPSCONSOLE_CONFIG": str(env_file)}) == env_file
    explicit = write(tmp_path, VALID, "explicit.toml")
    assert find_config(explicit, {"OPSCONSOLE_CONFIG": str(env_file)}) == explicit


def test_env_overrides_set_nested_keys_with_types(tmp_path: Path) -> None:
    environ = {
        "OPSCONSOLE_ENVIRONMENTS__PROD__REGION": "eu-west-2",
        "OPSCONSOLE_READ_ONLY": "true",
        "OPSCONSOLE_ENVIRONMENTS__DEV__SESSION_DURATION": "1800",
        "OPSCONSOLE_CONFIG": "ignored-here",
        # Set in a shell by `accounts assume --export`; not overrides.
        "OPSCONSOLE_ENV": "dev",
        "OPSCONSOLE_ROLE": "read",
    }
    settings = parse_settings(VALID, source=None, environ=environ)
    assert settings.environment("prod").region == "eu-west-2"
    assert settings.read_only is True
    assert settings.environment("dev").session_duration == 1800


# Each case: the file (or override), then what the one message must name.
MALFORMED = {
    "bad toml": (
        VALID.replace('region = "eu-west-1"\nprotected', "region = eu-west-1\nprotected"),
        ":14:",
        "invalid TOML",
    ),
    "unknown top-level key": ("colour = 'red'\n" + VALID, ":1: [colour] unknown key", "known keys here"),
    "unknown environment key": (
        VALID.replace("protected = true", "protect = true"),
        ":15: [environments.prod.protect] unknown key",
        "protected",
    ),
    "missing account id": (
        VALID.replace('account_id = "333333333333"\n', ""),
        "[environments.prod.account_id] is missing",
        "account_id",
    ),
    "malformed account id": (
        VALID.replace('"333333333333"', '"33333333333"'),
        ":13: [environments.prod.account_id] '33333333333' is not a valid account id",
        "12 digits",
    ),
    "account id without quotes": (
        VALID.replace('account_id = "333333333333"', "account_id = 333333333333"),
        ":13: [environments.prod.account_id] must be a string, not an integer",
        "write it in quotes",
    ),
    "malformed role arn": (
        VALID.replace(
            "arn:aws:iam::333333333333:role/OpsConsoleReadOnly", "arn:aws:iam:333333333333:OpsConsoleReadOnly"
        ),
        ":17: [environments.prod.roles.read]",
        "not a valid role ARN",
    ),
    "role in another account": (
        VALID.replace(
            "arn:aws:iam::333333333333:role/OpsConsoleDeployer",
            "arn:aws:iam::111111111111:role/OpsConsoleDeployer",
        ),
        ":18: [environments.prod.roles.deploy] role is in account 111111111111",
        "environment's account",
    ),
    "inline role arn malformed": (
        VALID.replace("arn:aws:iam::111111111111:role/OpsConsoleOperator", "OpsConsoleOperator"),
        ":10: [environments.dev.roles.operate]",
        "not a valid role ARN",
    ),
    "wrong type": (
        VALID.replace("protected = true", 'protected = "yes"'),
        ":15: [environments.prod.protected] must be true or false, not a string",
        "protected",
    ),
    "missing roles": (
        VALID.replace(
            'roles = { read = "arn:aws:iam::111111111111:role/OpsConsoleReadOnly", operate = "arn:aws:iam::111111111111:role/OpsConsoleOperator" }\n',
            "",
        ),
        "[environments.dev.roles] is missing",
        "read role",
    ),
    "unknown default environment": (
        VALID.replace('default_environment = "dev"', 'default_environment = "qa"'),
        ":1: [default_environment] names 'qa'",
        "use one of: dev, prod",
    ),
    "secret in the file": (
        VALID + '\n[zabbix]\nurl = "https://z.example.com"\ntoken = "abc"\n',
        ":22: [zabbix.token] secrets do not belong",
        "token_env",
    ),
    "unknown tier": (
        VALID.replace("deploy = ", "admin = "),
        ":18: [environments.prod.roles.admin] unknown key",
        "deploy, operate, read",
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_config_gets_one_message_and_exit_2(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, where, what = MALFORMED[case]
    path = write(tmp_path, text)
    result = run_cli(capsys, "--config", str(path), "config", "check")
    assert result.code == 2, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    first_line = result.stderr.splitlines()[0]
    assert first_line.startswith(f"error: {path}"), result.stderr
    assert where in result.stderr, result.stderr
    assert what in result.stderr, result.stderr


def test_override_with_wrong_type_names_the_variable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, VALID, "ok.toml")
    monkeypatch.setenv("OPSCONSOLE_ENVIRONMENTS__PROD__PROTECTED", "maybe")
    result = run_cli(capsys, "--config", str(path), "config", "check")
    assert result.code == 2
    assert (
        "$OPSCONSOLE_ENVIRONMENTS__PROD__PROTECTED: [environments.prod.protected] must be true or false"
        in result.stderr
    )


def test_unknown_environment_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, VALID, "ok.toml")
    result = run_cli(capsys, "--config", str(path), "accounts", "whoami", "--env", "qa")
    assert result.code == 2
    assert "unknown environment 'qa'" in result.stderr and "use one of: dev, prod" in result.stderr


def test_missing_file_names_where_it_looked(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "config", "check")
    assert result.code == 2
    assert "no configuration file found" in result.stderr and "opsconsole config init" in result.stderr


def test_explicit_file_that_does_not_exist(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "--config", str(tmp_path / "nope.toml"), "accounts", "list")
    assert result.code == 2
    assert "nope.toml (from --config) does not exist" in result.stderr


def test_config_check_prints_resolved_config_without_secrets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(
        tmp_path, VALID + '\n[graylog]\nurl = "https://g.example.com"\ntoken_env = "GL_TOKEN"\n', "ok.toml"
    )
    monkeypatch.setenv("GL_TOKEN", "super-secret-token")
    # config check also checks that the identity profile exists in the AWS files.
    aws = tmp_path / "home" / ".aws"
    aws.mkdir(parents=True, exist_ok=True)
    (aws / "credentials").write_text("[identity]\naws_access_key_id = AKIAEXAMPLE\n", encoding="utf-8")
    result = run_cli(capsys, "--config", str(path), "config", "check", "--output", "json")
    assert result.code == 0
    import json

    view = json.loads(result.stdout)
    assert view["environments"]["prod"]["roles"]["deploy"].endswith("OpsConsoleDeployer")
    assert view["graylog"] == {
        "url": "https://g.example.com",
        "token_env": "GL_TOKEN",
        "connect_timeout": 3,
        "timeout": 15,
        "late_window": 5,
        "deadline": 30,
        "tail_max_interval": 5,
    }
    assert "super-secret-token" not in result.stdout + result.stderr


def test_parse_error_is_a_config_error_with_line() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_settings("[environments.dev\n", source=Path("x.toml"))
    assert caught.value.line == 1


# Each case: the variables, then what the one message must say. A problem with an override names
# the variable, never the file.
BAD_OVERRIDES = {
    "triple underscore": (
        {"OPSCONSOLE___READ_ONLY": "true"},
        "$OPSCONSOLE___READ_ONLY: names an empty key",
        "did you mean OPSCONSOLE_READ_ONLY?",
    ),
    "empty level": (
        {"OPSCONSOLE_ENVIRONMENTS____PROD__REGION": "eu-west-2"},
        "$OPSCONSOLE_ENVIRONMENTS____PROD__REGION: names an empty key",
        "OPSCONSOLE_ENVIRONMENTS__PROD__REGION?",
    ),
    "typo in a table name": (
        {"OPSCONSOLE_IDENTTY__REGION": "eu-west-2"},
        "$OPSCONSOLE_IDENTTY__REGION: [identty] unknown key",
        "known keys here: audit, aws,",
    ),
    "typo in a key": (
        {"OPSCONSOLE_ENVIRONMENTS__PROD__REGON": "eu-west-2"},
        "$OPSCONSOLE_ENVIRONMENTS__PROD__REGON: [environments.prod.regon] unknown key",
        "region",
    ),
    "typo in an environment name": (
        {"OPSCONSOLE_ENVIRONMENTS__PORD__REGION": "eu-west-2"},
        "$OPSCONSOLE_ENVIRONMENTS__PORD__REGION: [environments.pord.account_id] is missing",
        "account_id",
    ),
    "role from another account": (
        {"OPSCONSOLE_ENVIRONMENTS__PROD__ROLES__OPERATE": "arn:aws:iam::111111111111:role/Op"},
        "$OPSCONSOLE_ENVIRONMENTS__PROD__ROLES__OPERATE: [environments.prod.roles.operate] role is in account",
        "environment's account",
    ),
    "inside a value": (
        {"OPSCONSOLE_READ_ONLY__X": "1"},
        "$OPSCONSOLE_READ_ONLY__X: [read_only.x] cannot override inside 'read_only'",
        "",
    ),
    "a whole table": (
        {"OPSCONSOLE_IDENTITY": "x"},
        "$OPSCONSOLE_IDENTITY: [identity] is a table and cannot be set from one variable",
        "",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_OVERRIDES))
def test_bad_override_is_blamed_on_its_variable(case: str) -> None:
    environ, where, what = BAD_OVERRIDES[case]
    with pytest.raises(ConfigError) as caught:
        parse_settings(VALID, source=Path("mine.toml"), environ=environ)
    message = f"{caught.value}\n{caught.value.hint or ''}"
    assert message.startswith(where), message
    assert what in message, message
    assert "mine.toml" not in message


def test_triple_underscore_override_fails_the_cli_instead_of_being_ignored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, VALID, "ok.toml")
    monkeypatch.setenv("OPSCONSOLE___READ_ONLY", "true")
    result = run_cli(capsys, "--config", str(path), "config", "check")
    assert result.code == 2
    assert result.stderr.startswith("error: $OPSCONSOLE___READ_ONLY: names an empty key"), result.stderr
    assert "OPSCONSOLE_READ_ONLY" in result.stderr and str(path) not in result.stderr


def test_variables_read_elsewhere_are_not_overrides() -> None:
    environ = {"OPSCONSOLE_RUNBOOKS": "/srv/runbooks", "OPSCONSOLE_DEMO_ZABBIX_TOKEN": "t"}
    assert list(parse_settings(VALID, source=None, environ=environ).environments) == ["dev", "prod"]


def test_override_can_set_list_and_user_chosen_keys() -> None:
    environ = {
        "OPSCONSOLE_ENVIRONMENTS__DEV__ZABBIX__HOST_GROUPS": "web, db",
        "OPSCONSOLE_UI__KEYMAP__REFRESH": "f5",
        "OPSCONSOLE_LINKS__STACK__SERVICE": "{env}-{name}",
    }
    settings = parse_settings(VALID, source=None, environ=environ)
    assert settings.environment("dev").zabbix_host_groups == ("web", "db")
    assert settings.keymap == {"refresh": "f5"}
    assert settings.links == {"stack": {"service": "{env}-{name}"}}


def test_allowed_keys_and_view_come_from_the_declarations() -> None:
    from opsconsole.config import resolved_view
    from opsconsole.config.schema import settings_table, table_of
    from opsconsole.domain.environment import Environment

    environment_keys = set(table_of(Environment).children)
    assert environment_keys == {
        "account_id",
        "region",
        "roles",
        "external_id",
        "replica_region",
        "protected",
        "read_only",
        "session_duration",
        "zabbix",
        "graylog",
        "description",
        "profile",
        "mfa_serial",
        "role_session_name",
        "source_profile",
        "via_roles",
        "via_external_ids",
    }
    assert "endpoint_url" in set(settings_table().children["aws"].children)  # type: ignore[union-attr]
    view = resolved_view(parse_settings(VALID, source=None))
    assert view["environments"]["dev"]["external_id"] == "set"
    assert view["environments"]["prod"]["external_id"] is None
    assert "token_command" not in view["zabbix"] and "keymap" not in view
