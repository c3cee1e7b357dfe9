"""Console sign-in: the role session's credentials (from the moto world) go to a stub of AWS's
federation endpoint; the login URL with the token goes to the browser only, never to the output,
the screen or the audit journal."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from opsconsole.app.console import Console
from opsconsole.config import Settings
from opsconsole.demo.world import DemoReady
from opsconsole.domain.environment import RoleTier
from opsconsole.domain.errors import BackendUnreachable, CredentialsError
from opsconsole.domain.resources import ResourceKind, ResourceRef
from tests.conftest import config_with_own_journal, settings_with_own_journal
from tests.federation_stub import FederationStub
from tests.helpers import run_cli

API = ResourceRef("dev", ResourceKind.SERVICE, "api", cluster="dev-cluster")


def real_settings(world: DemoReady, tmp_path: Path, stub: FederationStub) -> Settings:
    """The moto world as if it were real AWS (demo off), its sign-in endpoint the stub."""
    settings = settings_with_own_journal(world, tmp_path)
    return dataclasses.replace(settings, demo=False, aws_signin_url=stub.url)


def test_signin_sends_the_session_and_opens_the_token_url_only(
    demo_world: DemoReady, tmp_path: Path, stub: FederationStub, browser: list[str]
) -> None:
    console = Console.build(real_settings(demo_world, tmp_path, stub))
    try:
        result = console.signin.open(API, reason="INC-7")
        credentials = console.context.broker.credentials("dev", RoleTier.READ)
    finally:
        console.close()
    [request] = stub.requests
    assert request["Action"] == ["getSigninToken"] and "SessionDuration" not in request
    assert json.loads(request["Session"][0]) == {
        "sessionId": credentials.access_key_id,
        "sessionKey": credentials.secret_access_key,
        "sessionToken": credentials.session_token,
    }
    [url] = browser
    query = parse_qs(urlsplit(url).query)
    assert url.startswith(stub.url + "?")
    assert query["Action"] == ["login"] and query["SigninToken"] == [stub.tokens[0]]
    assert query["Destination"] == [result.destination]
    assert "/ecs/v2/clusters/dev-cluster/services/api/" in result.destination
    assert result.opened and "OpsConsoleReadOnly" in result.role
    shown = json.dumps(dataclasses.asdict(result)) + result.summary
    assert stub.tokens[0] not in shown and "REDACTED" in result.shown_url
    journal = (tmp_path / "audit.jsonl").read_text(encoding="utf-8")
    assert stub.tokens[0] not in journal and credentials.secret_access_key not in journal
    records = [json.loads(line) for line in journal.splitlines()]
    signins = [r for r in records if r["action"] == "access.console_signin"]
    assert [(r["phase"], r["outcome"], r["environment"]) for r in signins] == [
        ("intent", "pending", "dev"),
        ("outcome", "ok", "dev"),
    ]
    assert signins[0]["reason"] == "INC-7" and "OpsConsoleReadOnly" in signins[0]["role_arn"]


def test_no_display_over_ssh_asks_for_no_token_and_offers_switch_role(
    demo_world: DemoReady, tmp_path: Path, stub: FederationStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SSH_CONNECTION", "10.0.0.1 5000 10.0.0.2 22")
    monkeypatch.setattr("sys.platform", "linux")
    console = Console.build(real_settings(demo_world, tmp_path, stub))
    try:
        result = console.signin.open(API)
    finally:
        console.close()
    assert stub.requests == []
    assert not result.opened and "ssh" in result.why_not
    assert result.switch_role is not None and "roleName=OpsConsoleReadOnly" in result.switch_role.url
    assert "account=111111111111" in result.switch_role.url


def test_a_browser_that_refuses_is_a_failed_outcome(
    demo_world: DemoReady, tmp_path: Path, stub: FederationStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setattr("webbrowser.open", lambda url: False)
    console = Console.build(real_settings(demo_world, tmp_path, stub))
    try:
        result = console.signin.open("dev")
    finally:
        console.close()
    assert not result.opened and result.switch_role is not None
    assert result.destination.endswith("/console/home?region=eu-west-1")
    journal = (tmp_path / "audit.jsonl").read_text(encoding="utf-8")
    outcome = [json.loads(line) for line in journal.splitlines()][-1]
    assert (outcome["phase"], outcome["outcome"]) == ("outcome", "failed")
    assert stub.tokens[0] not in journal


def test_endpoint_failures_name_no_secret(
    demo_world: DemoReady, tmp_path: Path, stub: FederationStub, browser: list[str]
) -> None:
    settings = real_settings(demo_world, tmp_path, stub)
    console = Console.build(settings)
    try:
        secret = console.context.broker.credentials("dev", RoleTier.READ).secret_access_key
        stub.status = 400
        with pytest.raises(CredentialsError) as refused:
            console.signin.open(API)
        console.context.settings = dataclasses.replace(
            settings, aws_signin_url="http://127.0.0.1:9/federation"
        )
        with pytest.raises(BackendUnreachable) as unreachable:
            console.signin.open(API)
    finally:
        console.close()
    assert browser == []
    for error in (refused.value, unreachable.value):
        text = f"{error.message} {error.hint} {error!r} {error.__cause__!r}"
        assert secret not in text and "Session=" not in text and "sessionKey" not in text


def test_the_demo_shows_the_redacted_url_and_sends_nothing(
    demo_world: DemoReady, tmp_path: Path, stub: FederationStub, browser: list[str]
) -> None:
    settings = dataclasses.replace(settings_with_own_journal(demo_world, tmp_path), aws_signin_url=stub.url)
    console = Console.build(settings)
    try:
        result = console.signin.open(API)
    finally:
        console.close()
    assert result.simulated and not result.opened and browser == [] and stub.requests == []
    assert "simulated" in result.summary and "SigninToken=REDACTED" in result.shown_url


def test_cli_console_open_prints_no_token(
    demo_world: DemoReady,
    tmp_path: Path,
    stub: FederationStub,
    browser: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = config_with_own_journal(demo_world, tmp_path)
    text = config.read_text(encoding="utf-8").replace("demo = true", "demo = false")
    config.write_text(text.replace("[aws]\n", f'[aws]\nsignin_url = "{stub.url}"\n'), encoding="utf-8")
    result = run_cli(
        capsys, "-c", str(config), "console", "open", "dev/service/dev-cluster/api", "-o", "json"
    )
    assert result.code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["opened"] is True and "SigninToken=REDACTED" in data["sign-in url"]
    assert len(browser) == 1 and stub.tokens[0] in browser[0]
    journal = (tmp_path / "audit.jsonl").read_text(encoding="utf-8")
    for text in (result.stdout, result.stderr, journal):
        assert stub.tokens[0] not in text
    assert "access.console_signin" in journal
