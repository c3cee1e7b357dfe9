"""Durations are parsed in one place (domain/durations.py) and refused at the CLI's edge with exit 2:
`--since 0m` is not "all time", `99999999d` is not an overflow, `--cluster ''` is not the default."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from opsconsole.domain.durations import DurationError, parse_duration, parse_since, parse_span
from tests.fuzz.corpus import good_config
from tests.helpers import run_cli

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "seconds"), [("90", 90), ("30s", 30), ("5m", 300), ("2h", 7200), ("1d", 86400), ("1w", 604800)]
)
def test_durations_as_operators_write_them(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("99999999d", "longer than ten years"),
        ("-5m", "is not a duration"),
        ("nan", "is not a duration"),
        ("5 years", "is not a duration"),
        ("", "is not a duration"),
    ],
)
def test_bad_durations_say_why(text: str, problem: str) -> None:
    with pytest.raises(DurationError, match=problem):
        parse_duration(text)


def test_a_span_is_positive_and_since_is_in_the_past() -> None:
    with pytest.raises(DurationError, match="too short"):
        parse_span("0m")
    assert parse_since("2h", NOW) == NOW - timedelta(hours=2)
    assert parse_since("2026-11-30T08:00", NOW) == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    with pytest.raises(DurationError, match="in the future"):
        parse_since("2999-01-01", NOW)
    with pytest.raises(DurationError, match="neither a duration nor a date"):
        parse_since("yesterday", NOW)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["audit", "list", "--since", "0m"], "--since: '0m' is too short"),
        (["audit", "list", "--since", "99999999d"], "--since: '99999999d' is longer than ten years"),
        (["logs", "search", "--env", "dev", "--since", "0m"], "--since: '0m' is too short"),
        (
            ["logs", "tail", "--env", "dev", "--for", "99999999d"],
            "--for: '99999999d' is longer than ten years",
        ),
        (["ecs", "services", "--env", "dev", "--cluster", ""], "must not be empty"),
        (["ecs", "scale", "web", "99999", "--env", "dev"], "count: 99999 is out of range (0 to 5000"),
    ],
)
def test_the_cli_refuses_them_with_exit_2_before_any_backend(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "opsconsole.toml"
    config.write_text(good_config(str(tmp_path)), encoding="utf-8")  # every backend on a closed port
    result = run_cli(capsys, "-c", str(config), *args)
    assert result.code == 2, result.stderr
    assert message in result.stderr
