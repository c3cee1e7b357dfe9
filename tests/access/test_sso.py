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
from tests.access.realistic import Setup, write_setup
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
