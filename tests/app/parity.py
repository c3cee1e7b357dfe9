"""Drivers for the parity tests: one change driven from the CLI, from a runbook step and from the TUI,
each with a journal of its own, and the audit records each left, reduced to what must agree."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from opsconsole.app.console import Console
from opsconsole.app.runbooks import Runbooks
from opsconsole.config import load_settings
from opsconsole.domain.action_kinds import ActionKind
from opsconsole.domain.audit import AuditRecord
from opsconsole.runbooks.loader import parse_runbook
from opsconsole.runbooks.state import RunStore
from tests.helpers import run_cli

TIMESTAMP = re.compile(r"\d{8}-\d{6}|\b1\d{9}\b")


@dataclass(frozen=True)
class Trail:
    """What a front-end's change left in the audit trail, as the parity test compares it."""

    action: str
    environment: str | None
    tier: str | None
    calls: tuple[str, ...]
    outcome: str

    @classmethod
    def of(cls, records: list[AuditRecord], aliases: Mapping[str, str]) -> Trail:
        [intent] = [r for r in records if r.phase == "intent"]
        [outcome] = [r for r in records if r.phase == "outcome" and r.intent_id == intent.id]
        calls = tuple(_normal(str(c), aliases) for c in intent.details["calls"])
        return cls(intent.action, intent.environment, intent.tier, calls, outcome.outcome)


def _normal(call: str, aliases: Mapping[str, str]) -> str:
    """A call with the ids that differ by run (an event id, a snapshot's time) named by role."""
    for value, name in aliases.items():
        call = call.replace(repr(value), repr(name))
    return TIMESTAMP.sub("<time>", call)


def journal(path: Path) -> list[AuditRecord]:
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return [AuditRecord.from_json_dict(json.loads(line)) for line in lines if line.strip()]


def config_with_journal(config: Path, journal_path: Path) -> Path:
    """A copy of `config` writing its audit trail to `journal_path`."""
    text = config.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("journal = ")]
    text = "\n".join(lines).replace("[audit]", f'[audit]\njournal = "{journal_path}"', 1)
    if "[audit]" not in text:
        text += f'\n[audit]\njournal = "{journal_path}"\n'
    out = journal_path.with_suffix(".toml")
    out.write_text(text + "\n", encoding="utf-8")
    return out


def by_cli(capsys: pytest.CaptureFixture[str], config: Path, *args: str) -> list[AuditRecord]:
    path = config.parent / "cli-audit.jsonl"
    result = run_cli(capsys, "-c", str(config_with_journal(config, path)), *args)
    assert result.code in (0, 1), result.stderr
    return journal(path)


def by_runbook(config: Path, kind: ActionKind, env: str, params: Mapping[str, Any]) -> list[AuditRecord]:
    path = config.parent / "runbook-audit.jsonl"
    console = Console.build(load_settings(config_with_journal(config, path), environ={}))
    given = json.dumps(dict(params))
    text = (
        "title: parity\ninputs:\n  env: environment\nsteps:\n"
        f"  - id: act\n    kind: action\n    action: {kind.value}\n    with: {given}\n"
    )
    engine = Runbooks(console, RunStore(config.parent / "runs")).engine()
    engine.start(parse_runbook(text, "parity.yaml"), {"env": env})
    return journal(path)


async def by_tui(config: Path, kind: ActionKind, env: str, params: Mapping[str, Any]) -> list[AuditRecord]:
    """The change as the TUI sends it: the message its key (or palette entry) posts, planned by the
    screen, confirmed in the modal, sent by its worker, on the real Console."""
    from textual.widgets import Button, Input

    from opsconsole.tui.app import OpsConsoleApp
    from opsconsole.tui.messages import ActionRequested
    from opsconsole.tui.screens.confirm import ConfirmChange

    path = config.parent / "tui-audit.jsonl"
    console = Console.build(load_settings(config_with_journal(config, path), environ={}))
    app = OpsConsoleApp(console, initial_env=env)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.app.workers.wait_for_complete()
        app.screen.post_message(ActionRequested(kind, env, params))
        for _ in range(100):  # the plan is read in a worker, then the modal opens
            await pilot.pause(0.05)
            if isinstance(app.screen, ConfirmChange):
                break
        modal = app.screen
        assert isinstance(modal, ConfirmChange), f"no confirmation for {kind}"
        while not (modal.is_mounted and len(modal.query("#go"))):  # composed on its next turns
            await pilot.pause(0.05)
        if modal.protected:
            modal.query_one("#typed", Input).value = env
            await pilot.pause()
        modal.query_one("#go", Button).press()
        for _ in range(200):  # the change is sent by a worker the confirmation starts
            await pilot.pause(0.05)
            await pilot.app.workers.wait_for_complete()
            if any(r.phase == "outcome" for r in journal(path)):
                break
    console.close()
    return journal(path)
