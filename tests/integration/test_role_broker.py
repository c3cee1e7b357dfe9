"""The role broker against a real moto server over HTTP, with IAM enforcement on."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from opsconsole.app.console import Console
from opsconsole.audit import AuditJournal
from opsconsole.aws.errors import aws_errors
from opsconsole.aws.identity import make_boto_session
from opsconsole.aws.session import RoleBroker
from opsconsole.config import Settings
from opsconsole.demo.world import DemoReady
from opsconsole.domain.environment import RoleTier
from opsconsole.domain.errors import AccessDenied, AccountMismatch, BackendError, ReadOnlyViolation


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class ExpiryEnforcingSession:
    """Wraps the boto3 session so requests signed with expired keys fail as AWS fails them
    (moto never enforces expiry); the clock is the same one the broker reads."""

    def __init__(self, inner: Any, clock: FakeClock) -> None:
        self._inner = inner
        self._clock = clock
        self.expiry: dict[str, datetime] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def client(self, service: str, **kwargs: Any) -> Any:
        client = self._inner.client(service, **kwargs)
        key = kwargs.get("aws_access_key_id")
        client.meta.events.register("after-call.sts.AssumeRole", self._remember)
        client.meta.events.register("before-call.*.*", lambda **_: self._check(key))
        return client

    def _remember(self, parsed: dict[str, Any], **_: Any) -> None:
        # Reissue the expiry on the fake timeline: same lifetime as moto granted, from clock().
        credentials = parsed["Credentials"]
        lifetime = round((credentials["Expiration"] - datetime.now(UTC)).total_seconds())
        credentials["Expiration"] = self._clock() + timedelta(seconds=lifetime)
        self.expiry[credentials["AccessKeyId"]] = credentials["Expiration"]

    def _check(self, key: str | None) -> None:
        if key in self.expiry and self._clock() >= self.expiry[key]:
            error = {
                "Error": {
                    "Code": "ExpiredToken",
                    "Message": "The security token included in the request is expired",
                }
            }
            raise ClientError(error, "Call")


def short_lived(settings: Settings, seconds: int = 900) -> Settings:
    envs = {
        name: dataclasses.replace(env, session_duration=seconds)
        for name, env in settings.environments.items()
    }
    return dataclasses.replace(settings, environments=envs)


def test_whoami_in_prod_is_an_assumed_role_in_prods_account(demo_console: Console) -> None:
    session = demo_console.access.session("prod", RoleTier.READ)
    assert session.identity.account == "333333333333"
    assert (
        session.identity.arn == "arn:aws:sts::333333333333:assumed-role/OpsConsoleReadOnly/opsconsole-alice"
    )
    assert session.session_name == "opsconsole-alice"
    assert session.expires_at > datetime.now(UTC) + timedelta(minutes=55)


def test_read_tier_creating_a_cluster_is_denied_naming_role_action_and_tier(demo_console: Console) -> None:
    session = demo_console.access.session("prod", RoleTier.READ)
    ecs = demo_console.context.broker.client("prod", RoleTier.READ, "ecs")
    with pytest.raises(AccessDenied) as caught, aws_errors(session, "ecs"):
        ecs.create_cluster(clusterName="should-not-exist")
    message = str(caught.value)
    assert "arn:aws:iam::333333333333:role/OpsConsoleReadOnly" in message
    assert "ecs:CreateCluster" in message
    assert "the deploy tier allows it: retry with --role deploy" in message
    assert caught.value.exit_code == 3
    # The denial was real: the cluster does not exist for anyone.
    deploy_ecs = demo_console.context.broker.client("prod", RoleTier.DEPLOY, "ecs")
    assert not [arn for arn in deploy_ecs.list_clusters()["clusterArns"] if arn.endswith("/should-not-exist")]


def test_operate_tier_is_the_one_named_for_service_changes(demo_console: Console) -> None:
    read = demo_console.access.session("dev", RoleTier.READ)
    with pytest.raises(AccessDenied) as caught, aws_errors(read, "ecs"):
        demo_console.context.broker.client("dev", RoleTier.READ, "ecs").update_service(
            service="api", desiredCount=2
        )
    assert "ecs:UpdateService" in str(caught.value) and "--role operate" in str(caught.value)
    # With the operate role the same call passes IAM and fails only because the service does not exist.
    operate = demo_console.access.session("dev", RoleTier.OPERATE)
    with pytest.raises(BackendError) as missing, aws_errors(operate, "ecs"):
        demo_console.context.broker.client("dev", RoleTier.OPERATE, "ecs").update_service(
            service="api", desiredCount=2
        )
    assert not isinstance(missing.value, AccessDenied)
    assert "NotFound" in str(missing.value)


def test_elevation_above_read_is_audited_once_with_reason(demo_console: Console) -> None:
    demo_console.access.session("staging", RoleTier.READ)
    demo_console.access.session("staging", RoleTier.OPERATE, reason="INC-42 scale api")
    demo_console.access.session("staging", RoleTier.OPERATE, reason="cached, not a new elevation")
    records = list(demo_console.audit.records())
    assert len(records) == 1
    record = records[0]
    assert (record.action, record.actor, record.environment) == ("access.elevate", "alice", "staging")
    assert record.account == "222222222222"
    assert record.role_arn == "arn:aws:iam::222222222222:role/OpsConsoleOperator"
    assert (record.tier, record.reason) == ("operate", "INC-42 scale api")


def test_read_only_removes_every_tier_above_read(demo_settings: Settings) -> None:
    services = Console.build(dataclasses.replace(demo_settings, read_only=True))
    assert services.access.session("dev", RoleTier.READ).tier is RoleTier.READ
    with pytest.raises(ReadOnlyViolation) as caught:
        services.access.session("dev", RoleTier.OPERATE)
    assert caught.value.exit_code == 3
    assert list(services.audit.records()) == []


def test_broker_renews_short_lived_sessions_so_callers_never_see_expiry(demo_settings: Settings) -> None:
    clock = FakeClock()
    settings = short_lived(demo_settings, 900)
    boto = ExpiryEnforcingSession(make_boto_session(settings.identity), clock)
    broker = RoleBroker(settings, clock=clock, boto_session=boto)
    seen_keys = set()
    for _minute in range(180):  # three hours, one call a minute, on sessions that live 15 minutes
        ecs = broker.client("dev", RoleTier.READ, "ecs")
        ecs.list_clusters()
        seen_keys.add(ecs._request_signer._credentials.access_key)
        clock.advance(60)
    # 900 s sessions renewed five minutes (RENEWAL_MARGIN) before their end: a new one every 10 minutes.
    assert broker.assume_count == 18
    assert len(seen_keys) == 18


def test_the_expiry_check_itself_fails_a_client_kept_past_its_session(demo_settings: Settings) -> None:
    clock = FakeClock()
    settings = short_lived(demo_settings, 900)
    boto = ExpiryEnforcingSession(make_boto_session(settings.identity), clock)
    broker = RoleBroker(settings, clock=clock, boto_session=boto)
    kept = broker.client("dev", RoleTier.READ, "ecs")
    clock.advance(901)
    with pytest.raises(ClientError) as caught:
        kept.list_clusters()
    assert caught.value.response["Error"]["Code"] == "ExpiredToken"


def wrong_account_id(settings: Settings, env_name: str, account_id: str) -> Settings:
    """The config names another account than the one the environment's roles live in."""
    envs = {
        name: dataclasses.replace(env, account_id=account_id) if name == env_name else env
        for name, env in settings.environments.items()
    }
    return dataclasses.replace(settings, environments=envs)


def test_account_mismatch_is_a_loud_error_and_no_session_is_kept(demo_settings: Settings) -> None:
    # prod's roles live in 333333333333 (moto lands in the role's account, as AWS does)
    broker = RoleBroker(wrong_account_id(demo_settings, "prod", "444444444444"))
    with pytest.raises(AccountMismatch) as caught:
        broker.session("prod", RoleTier.READ)
    assert "ACCOUNT MISMATCH" in str(caught.value)
    assert "444444444444" in str(caught.value) and "333333333333" in str(caught.value)
    assert broker.expires_at("prod", RoleTier.READ) is None


def test_mfa_code_is_asked_once_then_session_token_signs_every_assume(
    open_world: DemoReady, tmp_path: Any
) -> None:
    from opsconsole.config import load_settings

    settings = load_settings(open_world.config_path, environ={})
    serial = "arn:aws:iam::999999999999:mfa/alice"
    settings = dataclasses.replace(
        settings,
        identity=dataclasses.replace(settings.identity, mfa_serial=serial),
        audit=dataclasses.replace(settings.audit, journal=str(tmp_path / "audit.jsonl")),
    )
    asked: list[str] = []
    calls: list[tuple[str, dict[str, Any]]] = []

    class Recording:
        def __init__(self, inner: Any) -> None:
            self._inner = inner

        def __getattr__(self, name: str) -> Any:
            return getattr(self._inner, name)

        def client(self, service: str, **kwargs: Any) -> Any:
            client = self._inner.client(service, **kwargs)
            client.meta.events.register(
                "provide-client-params.sts.*",
                lambda params, model, **_: calls.append((model.name, dict(params))),
            )
            return client

    def prompt(device: str) -> str:
        asked.append(device)
        return "123456"

    broker = RoleBroker(
        settings,
        mfa_prompt=prompt,
        boto_session=Recording(make_boto_session(settings.identity)),
    )
    assert broker.session("prod", RoleTier.READ).identity.account == "333333333333"
    assert broker.session("dev", RoleTier.READ).identity.account == "111111111111"
    assert asked == [serial]
    names = [name for name, _ in calls]
    assert names.count("GetSessionToken") == 1
    token_call = next(params for name, params in calls if name == "GetSessionToken")
    assert token_call["SerialNumber"] == serial and token_call["TokenCode"] == "123456"
    assume_calls = [params for name, params in calls if name == "AssumeRole"]
    assert [c["ExternalId"] for c in assume_calls] == ["opsconsole-prod", "opsconsole-dev"]
    assert all(c["RoleSessionName"] == "opsconsole-alice" for c in assume_calls)


def test_audit_journal_is_private_and_fsynced_jsonl(demo_console: Console) -> None:
    demo_console.access.session("dev", RoleTier.DEPLOY, reason="deploy network")
    journal: AuditJournal = demo_console.audit.journal
    assert journal.path.stat().st_mode & 0o777 == 0o600
    lines = journal.path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 and '"reason": "deploy network"' in lines[0]
