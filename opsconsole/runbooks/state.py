"""Run state on disk: one JSON file per run, replaced atomically and fsynced after every step.

A run killed at any point (kill -9, power loss) leaves either the previous or the new file, never
half of one, so `resume` always knows where the run stood.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from opsconsole.domain.errors import InvalidInput
from opsconsole.paths import ensure_private_dir

RUNNING = "running"
AWAITING_APPROVAL = "awaiting_approval"
INTERRUPTED = "interrupted"
SUCCEEDED = "succeeded"
FAILED = "failed"

READY = "ready"
"""The cursor step has not started."""
STEP_RUNNING = "running"
"""The cursor step started and changes nothing yet (reads, waits, planning): safe to run again."""
SENDING = "sending"
"""The cursor step is sending a change: after a crash nobody knows whether it arrived."""

SIGNED_APPROVAL = "signed-approval"
"""A run awaiting approval waits for another identity's signed proof (`runbook approve`)."""
NAMED_APPROVAL = "named-approval"
"""A run awaiting approval waits for a person's name (`runbook resume --approve-as`), alone."""


@dataclass
class StepRecord:
    step: str
    kind: str
    status: str
    started: str
    finished: str | None = None
    actor: str | None = None
    attempt: int = 1
    inputs: Any = None
    output: Any = None
    error: str | None = None


@dataclass
class RunState:
    run_id: str
    runbook: str
    path: str
    title: str
    source_text: str
    inputs: dict[str, Any]
    started_by: str
    started_at: str
    dry_run: bool = False
    reason: str | None = None
    status: str = RUNNING
    cursor: str = ""
    phase: str = READY
    outputs: dict[str, Any] = field(default_factory=dict)
    statuses: dict[str, str] = field(default_factory=dict)
    """The last outcome of each step that ran: succeeded or failed."""
    history: list[StepRecord] = field(default_factory=list)
    approvals: dict[str, dict[str, Any]] = field(default_factory=dict)
    error: str | None = None
    updated_at: str = ""
    waiting_for: str = ""
    """While awaiting approval: SIGNED_APPROVAL or NAMED_APPROVAL (what resumes the run)."""
    holds: list[str] = field(default_factory=list)
    """Protected environments whose team lock the run holds (a killed run's resume takes them again)."""

    @property
    def waits_for_signed_approval(self) -> bool:
        return self.status == AWAITING_APPROVAL and self.waiting_for == SIGNED_APPROVAL

    def waiting_note(self) -> str:
        """What the run awaiting approval waits for and who does what; "" when it waits for nothing."""
        if self.status != AWAITING_APPROVAL:
            return ""
        if self.waiting_for == SIGNED_APPROVAL:
            return (
                f"waits for a second person's signed approval of step {self.cursor}: they run "
                f"`opsconsole runbook approve {self.run_id} {self.cursor}`, then resume"
            )
        return (
            f"waits for approval of step {self.cursor}: "
            f"opsconsole runbook resume {self.run_id} --approve-as NAME"
        )

    def to_json_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json_dict(cls, data: dict[str, Any]) -> RunState:
        values = dict(data)
        values["history"] = [StepRecord(**h) for h in values.get("history", [])]
        if "waiting_for" not in values and values.get("status") == AWAITING_APPROVAL:
            # Run files written before the field: the engine's message said which approval it was.
            signed = "opsconsole runbook approve" in str(values.get("error") or "")
            values["waiting_for"] = SIGNED_APPROVAL if signed else NAMED_APPROVAL
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in values.items() if k in known})

    def summary(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "runbook": self.runbook,
            "title": self.title,
            "status": self.status,
            "step": self.cursor,
            "started_by": self.started_by,
            "started_at": self.started_at,
            "updated_at": self.updated_at,
            "dry_run": self.dry_run,
            "error": self.error,
            "waiting_for": self.waiting_for if self.status == AWAITING_APPROVAL else None,
        }


def new_run_id(now: datetime) -> str:
    return f"{now.strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(3)}"


class RunStore:
    """Run files under `<state dir>/runbook-runs/`, readable only by the operator."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, run_id: str) -> Path:
        return self.root / f"{run_id}.json"

    def save(self, state: RunState) -> None:
        """Replace the run's file atomically: temp file, fsync, rename, fsync the directory."""
        ensure_private_dir(self.root)
        data = json.dumps(state.to_json_dict(), indent=1, sort_keys=True, default=str).encode("utf-8")
        fd, temp = tempfile.mkstemp(dir=self.root, prefix=f".{state.run_id}.", suffix=".tmp")
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, self.path(state.run_id))
        directory = os.open(self.root, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)

    def load(self, run_id: str) -> RunState:
        """A run's state.

        Raises:
            InvalidInput: no such run, or its file is damaged.
        """
        path = self.path(run_id)
        if not path.is_file():
            known = ", ".join(s.run_id for s in self.runs()[:5]) or "(none)"
            raise InvalidInput(f"no runbook run {run_id!r}", hint=f"recent runs: {known} (`runbook history`)")
        try:
            return RunState.from_json_dict(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, TypeError, KeyError) as e:
            raise InvalidInput(f"the run file {path} is damaged: {e}") from e

    def summary(self, state: RunState) -> dict[str, Any]:
        """The run's summary as others see it now: a run marked running whose owner is gone (killed,
        crashed, its host silent) is `interrupted`, with the step that may be half-done when it died
        sending a change; a live run names its owner."""
        from opsconsole.runbooks.ownership import owner_alive, read_owner

        row = state.summary()
        row.update(owner=None, half_done_step=None)
        if state.status not in (RUNNING, INTERRUPTED) or state.dry_run:
            return row
        owner = read_owner(self.root, state.run_id)
        if state.status == RUNNING and owner is not None and owner_alive(owner):
            row["owner"] = owner.describe()
            return row
        row["status"] = INTERRUPTED
        if state.phase == SENDING:
            row["half_done_step"] = state.cursor
            row["error"] = (
                f"died while step {state.cursor} was sending its change: it may be half-done; "
                f"check `audit list --outcome unknown`, then `runbook resume {state.run_id}` "
                "--rerun-step or --skip-step"
            )
        else:
            row["error"] = row["error"] or f"its process ended; `runbook resume {state.run_id}` goes on"
        return row

    def runs(self) -> list[RunState]:
        """Every run, newest first."""
        if not self.root.is_dir():
            return []
        found = []
        for path in self.root.glob("*.json"):
            try:
                found.append(RunState.from_json_dict(json.loads(path.read_text(encoding="utf-8"))))
            except (ValueError, TypeError, KeyError):
                continue
        return sorted(found, key=lambda s: s.started_at, reverse=True)
