"""The federation endpoint behind a TLS-inspecting proxy: the same CA bundle as AWS's API calls
(AWS_CA_BUNDLE), and a handshake failure said in our words, never with the request's URL (it
carries the session's secret key)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from opsconsole.aws.signin import signin_token
from opsconsole.domain.errors import BackendUnreachable
from opsconsole.domain.identity import TemporaryCredentials
from tests.tls_server import https_server

SECRET = "SECRETKEYNEVERSHOWN"
CREDENTIALS = TemporaryCredentials("ASIAEXAMPLE", SECRET, "TOKENNEVERSHOWN", datetime.now(UTC))


def test_an_untrusted_ca_names_the_cause_and_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_CA_BUNDLE", raising=False)
    with https_server(tmp_path) as url, pytest.raises(BackendUnreachable) as caught:
        signin_token(f"{url}/federation", CREDENTIALS, timeout=5)
    said = f"{caught.value} {caught.value.hint}"
    assert "not signed by a CA this machine trusts" in said
    assert "AWS_CA_BUNDLE" in said
    assert SECRET not in said and "TOKENNEVERSHOWN" not in said


def test_aws_ca_bundle_is_trusted_as_botocore_trusts_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with https_server(tmp_path) as url:
        monkeypatch.setenv("AWS_CA_BUNDLE", str(tmp_path / "cert.pem"))
        # the handshake now succeeds; the test server answers 501 to everything
        with pytest.raises(BackendUnreachable, match="answered 501"):
            signin_token(f"{url}/federation", CREDENTIALS, timeout=5)
