"""The token bucket paces calls at its rate after a full burst, on a fake clock."""

from __future__ import annotations

from opsconsole.app.ratelimit import RateLimits, TokenBucket


def test_a_bucket_lets_a_burst_through_then_waits_a_token_at_a_time() -> None:
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    bucket = TokenBucket(2, 2, clock=lambda: now[0], sleep=sleep)
    assert [bucket.take() for _ in range(4)] == [0.0, 0.0, 0.5, 0.5]
    assert now[0] == 1.0


def test_limits_keep_one_bucket_per_account_and_service_with_twice_the_rate_as_burst() -> None:
    limits = RateLimits(5)
    first = limits.bucket("111", "ecs")
    assert limits.bucket("111", "ecs") is first
    assert limits.bucket("222", "ecs") is not first
    assert (first.rate, first.burst) == (5, 10)
