"""A failure no adapter translated is one message naming a private crash report, never a
traceback on the terminal; OPSCONSOLE_DEBUG=1 lets it through (the test suite runs that way)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from opsconsole.audit import AuditJournal
from tests.helpers import run_cli


def test_an_unexpected_exception_is_one_message_and_a_0600_report(
    demo_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("journal reader bug")

    monkeypatch.delenv("OPSCONSOLE_DEBUG", raising=False)
    monkeypatch.setenv("OPSCONSOLE_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setattr(AuditJournal, "records", broken)

    result = run_cli(capsys, "-c", str(demo_config), "audit", "list")

    assert result.code == 1
    assert "Traceback" not in result.stderr
    assert "unexpected failure inside opsconsole: RuntimeError: journal reader bug" in result.stderr
    reports = list((tmp_path / "state" / "crashes").iterdir())
    assert len(reports) == 1 and str(reports[0]) in result.stderr
    assert stat.S_IMODE(reports[0].stat().st_mode) == 0o600
    assert "Traceback" in reports[0].read_text(encoding="utf-8")


def test_with_debug_set_the_exception_goes_through(
    demo_config: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("journal reader bug")

    monkeypatch.setenv("OPSCONSOLE_DEBUG", "1")
    monkeypatch.setattr(AuditJournal, "records", broken)
    with pytest.raises(RuntimeError, match="journal reader bug"):
        run_cli(capsys, "-c", str(demo_config), "audit", "list")
