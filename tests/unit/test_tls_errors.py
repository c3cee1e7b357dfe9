"""A TLS failure names its cause and where the fix goes, for each backend: an untrusted CA (a
private CA, or a TLS-inspecting proxy) and an https URL aimed at a plain-HTTP port."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from opsconsole.aws.sts_errors import sts_errors, sts_failure
from opsconsole.domain.errors import BackendError, OpsError
from opsconsole.domain.tls import explain_tls_failure
from opsconsole.graylog.client import GraylogClient
from opsconsole.zabbix.client import ZabbixClient
from tests.tls_server import https_server

UNTRUSTED = "not signed by a CA this machine trusts"
PLAIN = "does not seem to speak TLS"


@pytest.fixture
def untrusted(tmp_path: Path) -> Iterator[str]:
    with https_server(tmp_path) as url:
        yield url


@pytest.fixture
def plain_http() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"https://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def aws_error(url: str) -> OpsError:
    sts = boto3.client(
        "sts",
        endpoint_url=url,
        region_name="eu-west-1",
        aws_access_key_id="AKIAEXAMPLE",
        aws_secret_access_key="secret",
        config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=5),
    )
    try:
        sts.get_caller_identity()
    except sts_errors() as e:
        return sts_failure(e, "sign-in", role_hint="unused")
    raise AssertionError("the call did not fail")


@pytest.mark.parametrize(
    ("fixture", "cause"),
    [("untrusted", UNTRUSTED), ("plain_http", PLAIN)],
    ids=["untrusted-ca", "plain-http"],
)
def test_each_backend_names_the_cause_and_the_setting(
    fixture: str, cause: str, request: pytest.FixtureRequest
) -> None:
    url: str = request.getfixturevalue(fixture)
    with pytest.raises(BackendError) as zabbix:
        ZabbixClient(url, token="t" * 64, timeout=5).call("host.get", {})
    with pytest.raises(BackendError) as graylog:
        GraylogClient(url, token="t", timeout=5).streams()
    aws = aws_error(url)
    for error, setting in ((zabbix.value, "[zabbix] ca_bundle"), (graylog.value, "[graylog] ca_bundle")):
        assert cause in error.message, error.message
        if cause == UNTRUSTED:
            assert setting in (error.hint or "")
    assert cause in aws.message, aws.message
    if cause == UNTRUSTED:
        assert "AWS_CA_BUNDLE" in (aws.hint or "")


@pytest.mark.parametrize(
    ("detail", "cause"),
    [
        ("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate has expired", "expired"),
        ("certificate verify failed: Hostname mismatch, certificate is not valid for 'x'", "another host"),
        ("[SSL: CERTIFICATE_VERIFY_FAILED] unable to get local issuer certificate", UNTRUSTED),
        ("[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)", PLAIN),
        ("[SSL: SSLV3_ALERT_HANDSHAKE_FAILURE] sslv3 alert handshake failure", "handshake failed"),
    ],
)
def test_openssl_texts_map_to_their_cause(detail: str, cause: str) -> None:
    assert cause in explain_tls_failure(detail, "[x] ca_bundle")[0]


def test_the_hinted_fix_works_even_where_the_environment_names_another_bundle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override a session's CA (psf/requests#3829);
    many machines set them, so the configured ca_bundle must still be the one used."""
    import certifi

    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())
    monkeypatch.setenv("CURL_CA_BUNDLE", certifi.where())
    bundle = str(tmp_path / "cert.pem")
    with https_server(tmp_path) as url:
        with pytest.raises(BackendError) as zabbix:
            ZabbixClient(url, token="t" * 64, ca_bundle=bundle, timeout=5).call("host.get", {})
        with pytest.raises(BackendError) as graylog:
            GraylogClient(url, token="t", ca_bundle=bundle, timeout=5).streams()
    # past TLS: the test server answers 501 to everything
    assert "answered HTTP 501" in zabbix.value.message
    assert "TLS" not in graylog.value.message and "501" in graylog.value.message, graylog.value.message
