"""`r` in the TUI (access.renew) assumes the role again even while the credential cache holds a
session that still has time: before, the renewal took the cached session back and the countdown
went on running down (found driving the demo in tmux, issue 13)."""

from __future__ import annotations

from datetime import timedelta

from opsconsole.aws.identity import make_boto_session
from opsconsole.aws.session import RoleBroker
from opsconsole.config import Settings
from opsconsole.domain.environment import RoleTier
from tests.integration.test_role_broker import ExpiryEnforcingSession, FakeClock


def test_renew_assumes_again_although_the_cache_holds_a_live_session(demo_settings: Settings) -> None:
    clock = FakeClock()
    broker = RoleBroker(
        demo_settings,
        clock=clock,
        boto_session=ExpiryEnforcingSession(make_boto_session(demo_settings.identity), clock),
    )
    first = broker.session("dev", RoleTier.READ)
    clock.advance(600)  # ten minutes on: the cached session has most of its hour left
    assert broker.session("dev", RoleTier.READ) == first and broker.assume_count == 1
    renewed = broker.renew("dev", RoleTier.READ)
    assert broker.assume_count == 2
    assert renewed.expires_at - first.expires_at >= timedelta(seconds=600)  # a full hour from now
    assert broker.session("dev", RoleTier.READ) == renewed  # and the new one is the one in force
