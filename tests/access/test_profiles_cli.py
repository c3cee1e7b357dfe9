"""Environments from AWS profiles, against the open demo world's moto server, through the CLI
as separate processes: sessions survive the command, MFA per environment, counted at the server."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from opsconsole.demo.world import DemoReady
from tests.access.realistic import (
    DEV_ROLE,
    HOP_ROLE,
    PROD_ROLE,
    STAGING_ROLE,
    Setup,
    assume_calls,
    server_sts,
    write_setup,
)


@pytest.fixture
def setup(open_world: DemoReady, tmp_path: Path) -> Setup:
    return write_setup(open_world, tmp_path, "t" + hashlib.sha256(str(tmp_path).encode()).hexdigest()[:10])


def test_whoami_prod_assumes_the_profiles_role_with_its_name_and_duration(setup: Setup) -> None:
    done = setup.run("accounts", "whoami", "--env", "prod", "--mfa-code", "123456", "-o", "json")
    assert done.returncode == 0, done.stderr
    view = json.loads(done.stdout)
    assert view["role_arn"] == PROD_ROLE
    assert view["session_name"] == f"{setup.session_tag}-prod"
    assert view["arn"].endswith(f"assumed-role/OpsConsoleReadOnly/{setup.session_tag}-prod")
    # duration_seconds = 2700 in the profile: the session ends 45 minutes after it began.
    expires = datetime.fromisoformat(view["expires_at"])
    assert 2600 < (expires - datetime.now(UTC)).total_seconds() <= 2700
    calls = assume_calls(setup.world, PROD_ROLE, f"{setup.session_tag}-prod")
    assert len(calls) == 1 and calls[0]["external_id"] == "opsconsole-prod"


def test_second_call_reuses_the_cached_session_and_mfa_is_asked_for_prod_only(setup: Setup) -> None:
    cache = {"OPSCONSOLE_CACHE_PASSPHRASE": "correct horse battery staple"}
    tokens_before = len(server_sts(setup.world)["Token"])
    # dev needs no MFA: no code, no terminal, and it works.
    dev = setup.run("accounts", "whoami", "--env", "dev", "-o", "json", **cache)
    assert dev.returncode == 0, dev.stderr
    assert len(server_sts(setup.world)["Token"]) == tokens_before
    # prod needs its profile's device: without a code and a terminal it says so, exit 2.
    refused = setup.run("accounts", "whoami", "--env", "prod", **cache)
    assert refused.returncode == 2 and "MFA code" in refused.stderr and "Traceback" not in refused.stderr
    first = setup.run("accounts", "whoami", "--env", "prod", "--mfa-code", "123456", "-o", "json", **cache)
    assert first.returncode == 0, first.stderr
    assert len(server_sts(setup.world)["Token"]) == tokens_before + 1
    # A second command: no code given, none asked, no AssumeRole sent.
    second = setup.run("accounts", "whoami", "--env", "prod", "-o", "json", **cache)
    assert second.returncode == 0, second.stderr
    assert "memory only" not in second.stderr
    assert json.loads(second.stdout)["expires_at"] == json.loads(first.stdout)["expires_at"]
    assert len(assume_calls(setup.world, PROD_ROLE, f"{setup.session_tag}-prod")) == 1
    assert len(assume_calls(setup.world, DEV_ROLE, f"{setup.session_tag}-dev")) == 1
    setup.run("accounts", "whoami", "--env", "dev", **cache)
    assert len(assume_calls(setup.world, DEV_ROLE, f"{setup.session_tag}-dev")) == 1
    assert len(server_sts(setup.world)["Token"]) == tokens_before + 1
    # The cache file holds no key in plaintext.
    cache_file = setup.root / "state" / "sessions.enc"
    assert cache_file.stat().st_mode & 0o777 == 0o600
    secret = json.loads(first.stdout)["user_id"]
    assert secret not in cache_file.read_text(encoding="utf-8")
    # logout clears it: the next call assumes again and needs the code again.
    out = setup.run("accounts", "logout", **cache)
    assert out.returncode == 0 and "removed" in out.stdout
    again = setup.run("accounts", "whoami", "--env", "prod", **cache)
    assert again.returncode == 2 and "MFA code" in again.stderr


def test_without_a_store_sessions_end_with_the_command_and_config_check_says_so(setup: Setup) -> None:
    check = setup.run("config", "check")
    assert check.returncode == 0, check.stderr
    assert "memory only" in check.stdout
    first = setup.run("accounts", "whoami", "--env", "dev")
    assert first.returncode == 0 and "note: sessions are kept in memory only" in first.stderr
    setup.run("accounts", "whoami", "--env", "dev")
    assert len(assume_calls(setup.world, DEV_ROLE, f"{setup.session_tag}-dev")) == 2


def test_a_chained_source_profile_assumes_the_jump_role_first(setup: Setup) -> None:
    done = setup.run("accounts", "whoami", "--env", "staging", "-o", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["account"] == "222222222222"
    hops = [
        c
        for c in server_sts(setup.world)["AssumeRole"]
        if c["session_name"] == f"{setup.session_tag}-staging"
    ]
    assert [c["role_arn"] for c in hops] == [HOP_ROLE, STAGING_ROLE]
    assert hops[1]["external_id"] == "opsconsole-staging"


def test_config_check_says_where_each_value_came_from(setup: Setup) -> None:
    done = setup.run("config", "check", "-o", "json")
    assert done.returncode == 0, done.stderr
    view = json.loads(done.stdout)
    origin = view["origins"]
    assert origin["environments.prod.mfa_serial"] == f"{setup.aws_config} (profile prod-read)"
    assert origin["environments.staging.roles.read"] == f"{setup.aws_config} (profile staging-read)"
    assert "environments.prod.protected" not in origin  # from the TOML
    assert view["environments"]["dev"]["session_duration"] == 1800
    assert view["aws"]["mfa_device"] == "arn:aws:iam::999999999999:mfa/alice"
    assert view["aws"]["mfa_device_from"] == f"{setup.aws_config} (profile identity)"


def test_toml_keys_override_the_profile(setup: Setup) -> None:
    text = setup.config.read_text(encoding="utf-8")
    setup.config.write_text(
        text.replace(
            'profile = "dev-read"', 'profile = "dev-read"\nregion = "eu-central-1"\nsession_duration = 900'
        ),
        encoding="utf-8",
    )
    view = json.loads(setup.run("config", "check", "-o", "json").stdout)
    assert view["environments"]["dev"]["region"] == "eu-central-1"
    assert view["environments"]["dev"]["session_duration"] == 900
    assert "environments.dev.region" not in view["origins"]
    assert view["origins"]["environments.dev.external_id"].endswith("(profile dev-read)")


def test_a_role_profile_as_identity_asks_its_mfa_once_and_is_cached_like_the_aws_cli(setup: Setup) -> None:
    """botocore assumes the identity's own role (with the profile's MFA device); its cache is the
    session store, as the AWS CLI plugs in ~/.aws/cli/cache."""
    with setup.aws_config.open("a", encoding="utf-8") as out:
        out.write(
            f"\n[profile admin]\nrole_arn = {HOP_ROLE}\nsource_profile = identity\n"
            f"mfa_serial = arn:aws:iam::999999999999:mfa/alice\nrole_session_name = {setup.session_tag}-admin\n"
        )
    text = setup.config.read_text(encoding="utf-8").replace('profile = "identity"', 'profile = "admin"', 1)
    setup.config.write_text(text, encoding="utf-8")
    extra = {"OPSCONSOLE_CACHE_PASSPHRASE": "pass", "AWS_ENDPOINT_URL": setup.world.endpoint}
    refused = setup.run("accounts", "whoami", **extra)
    assert refused.returncode == 2 and "--mfa-code" in refused.stderr and "Traceback" not in refused.stderr
    first = setup.run("accounts", "whoami", "--mfa-code", "123456", "-o", "json", **extra)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["arn"].endswith(f"assumed-role/OpsConsoleJump/{setup.session_tag}-admin")
    second = setup.run("accounts", "whoami", "-o", "json", **extra)
    assert second.returncode == 0, second.stderr
    assert len(assume_calls(setup.world, HOP_ROLE, f"{setup.session_tag}-admin")) == 1
