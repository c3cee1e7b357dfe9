"""SSO: the device authorization login against a local fake of the SSO-OIDC and portal endpoints
(real API shapes), the token cached where the AWS CLI caches it, then read back by botocore to
sign the identity's requests to the open demo world."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from opsconsole.demo.world import DemoReady
from tests.access.fake_sso import FakeSso
from tests.access.realistic import Setup, server_sts, write_setup
from tests.helpers import run_cli


@pytest.fixture
def sso(open_world: DemoReady, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSso]:
    key = open_world.accounts.operator_key
    fake = FakeSso(
        {
            "accessKeyId": key.access_key_id,
            "secretAccessKey": key.secret_access_key,
            "sessionToken": "sso-session-token",
        }
    )
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO_OIDC", fake.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", fake.url)
    yield fake
    fake.close()


@pytest.fixture
def setup(open_world: DemoReady, tmp_path: Path) -> Setup:
    return write_setup(open_world, tmp_path, "sso")


def test_device_login_caches_the_token_as_the_aws_cli_does_and_botocore_uses_it(
    sso: FakeSso, setup: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = setup.root / "home" / ".aws" / "sso" / "cache" / (hashlib.sha1(b"corp").hexdigest() + ".json")
    config = str(setup.config)
    # Before the login: the SSO identity has no token, one message, exit 1.
    text = setup.config.read_text(encoding="utf-8").replace('profile = "identity"', 'profile = "sso-dev"', 1)
    setup.config.write_text(text, encoding="utf-8")
    # (botocore fixes its SSO cache directory from HOME when imported: these run as processes.)
    before = setup.run("accounts", "whoami", AWS_ENDPOINT_URL_SSO=sso.url)
    assert before.returncode == 1 and "sso login" in before.stderr and "Traceback" not in before.stderr

    login = run_cli(capsys, "--config", config, "accounts", "login", "--sso")
    assert login.code == 0, login.stderr
    assert "https://device.sso.eu-west-1.amazonaws.com/?user_code=ABCD-EFGH" in login.stderr
    assert "ABCD-EFGH" in login.stderr and "signed in" in login.stdout
    paths = [path for path, _ in sso.requests]
    assert paths[:2] == ["/client/register", "/device_authorization"]
    assert paths.count("/token") == 3  # two pending answers, then the token
    register = sso.requests[0][1]
    assert register["clientType"] == "public" and register["scopes"] == ["sso:account:access"]
    assert sso.requests[1][1]["startUrl"] == "https://corp.awsapps.com/start"
    token_call = sso.requests[2][1]
    assert token_call["grantType"] == "urn:ietf:params:oauth:grant-type:device_code"

    entry = json.loads(cache.read_text(encoding="utf-8"))
    assert entry["accessToken"] == sso.token and entry["startUrl"] == "https://corp.awsapps.com/start"
    assert entry["expiresAt"].endswith("Z") and entry["region"] == "eu-west-1"
    assert cache.parent.stat().st_mode & 0o777 == 0o700

    # botocore reads the cached token for the sso-session profile and gets role credentials.
    after = setup.run("accounts", "whoami", "-o", "json", AWS_ENDPOINT_URL_SSO=sso.url)
    assert after.returncode == 0, after.stderr
    assert json.loads(after.stdout)["account"] == "999999999999"
    portal = [body for path, body in sso.requests if path.startswith("/federation/credentials")]
    assert portal and portal[-1]["bearer"] == sso.token


def test_login_for_a_profile_without_sso_settings_is_one_message(
    setup: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_cli(
        capsys, "--config", str(setup.config), "accounts", "login", "--sso", "--profile", "dev-read"
    )
    assert result.code == 2 and "no SSO settings" in result.stderr and "→" in result.stderr


def test_an_sso_profile_is_an_environment_of_its_own_account(
    open_world: DemoReady, setup: Setup, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A profile with sso_account_id / sso_role_name (no role_arn) signs straight into the
    environment's account: its credentials are the read tier, checked with GetCallerIdentity."""
    dev = open_world.accounts.admin_keys["dev"]
    fake = FakeSso(
        {"accessKeyId": dev.access_key_id, "secretAccessKey": dev.secret_access_key, "sessionToken": "t"}
    )
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO_OIDC", fake.url)
    try:
        with setup.config.open("a", encoding="utf-8") as out:
            out.write('\n[environments.ssodev]\nprofile = "sso-dev"\n')
        login = run_cli(
            capsys, "--config", str(setup.config), "accounts", "login", "--sso", "--profile", "sso-dev"
        )
        assert login.code == 0, login.stderr
        check = json.loads(setup.run("config", "check", "-o", "json").stdout)
        assert check["environments"]["ssodev"]["account_id"] == "111111111111"
        done = setup.run("accounts", "whoami", "--env", "ssodev", "-o", "json", AWS_ENDPOINT_URL_SSO=fake.url)
        assert done.returncode == 0, done.stderr
        view = json.loads(done.stdout)
        assert view["account"] == "111111111111" and "AWSReservedSSO_ReadOnly" in view["role_arn"]
        assert [p for p, _ in fake.requests if p.startswith("/federation/credentials")]
        assert not [c for c in server_sts(open_world)["AssumeRole"] if "AWSReservedSSO" in str(c["role_arn"])]
    finally:
        fake.close()
