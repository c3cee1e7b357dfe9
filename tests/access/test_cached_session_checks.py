"""A cached session is checked before use: one that ends within the renewal margin is replaced
(a new AssumeRole at the server), one whose account is not the environment's is refused loudly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from opsconsole.aws.assume import Plan
from opsconsole.aws.credential_cache import MemoryStore
from opsconsole.aws.session import RoleBroker
from opsconsole.config import load_settings
from opsconsole.demo.world import DemoReady
from opsconsole.domain.environment import RoleTier
from opsconsole.domain.errors import AccountMismatch
from tests.access.realistic import DEV_ROLE, assume_calls, write_setup


def seeded(
    open_world: DemoReady, tmp_path: Path, account: str, lifetime: timedelta
) -> tuple[RoleBroker, str]:
    setup = write_setup(open_world, tmp_path, "checks")
    settings = load_settings(setup.config, environ={})
    store = MemoryStore()
    broker = RoleBroker(settings, store=store)
    env = settings.environment("dev")
    plan = Plan(env, RoleTier.READ, DEV_ROLE, "checks-dev", None)
    key = plan.cache_key(broker.source(env.source_profile).client_keys())
    store.put(
        key,
        {
            "AccessKeyId": "ASIACACHED",
            "SecretAccessKey": "s",
            "SessionToken": "t",
            "Expiration": (datetime.now(UTC) + lifetime).isoformat(),
            "Account": account,
            "Arn": f"arn:aws:sts::{account}:assumed-role/OpsConsoleReadOnly/checks-dev",
            "UserId": "AROA:checks-dev",
        },
    )
    return broker, key


def test_a_session_near_its_end_is_not_reused(
    open_world: DemoReady, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    broker, key = seeded(open_world, tmp_path, "111111111111", timedelta(minutes=4))
    before = len(assume_calls(open_world, DEV_ROLE, "checks-dev"))
    session = broker.session("dev", RoleTier.READ)
    assert len(assume_calls(open_world, DEV_ROLE, "checks-dev")) == before + 1
    assert broker.credentials("dev", RoleTier.READ).access_key_id != "ASIACACHED"
    assert session.expires_at > datetime.now(UTC) + timedelta(minutes=25)
    stored = broker.store.get(key)
    assert stored is not None and stored["AccessKeyId"] != "ASIACACHED"


def test_a_live_session_is_reused_without_any_call(
    open_world: DemoReady, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    broker, _ = seeded(open_world, tmp_path, "111111111111", timedelta(minutes=30))
    before = len(assume_calls(open_world, DEV_ROLE, "checks-dev"))
    assert broker.credentials("dev", RoleTier.READ).access_key_id == "ASIACACHED"
    assert len(assume_calls(open_world, DEV_ROLE, "checks-dev")) == before


def test_a_cached_session_in_another_account_is_refused(
    open_world: DemoReady, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    broker, _ = seeded(open_world, tmp_path, "444444444444", timedelta(minutes=30))
    with pytest.raises(AccountMismatch) as caught:
        broker.session("dev", RoleTier.READ)
    assert "444444444444" in str(caught.value) and "111111111111" in str(caught.value)
