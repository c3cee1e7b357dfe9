"""What the runbook screen shows of a step's state: the styles, the engine's events as states, and
the states a run's file holds (for a resumed run)."""

from __future__ import annotations

from opsconsole.runbooks.state import AWAITING_APPROVAL, FAILED, SUCCEEDED, RunState

STEP_STYLES = {
    "pending": "dim",
    "running": "bold cyan",
    "waiting": "yellow",
    "approval": "bold yellow",
    "done": "green",
    "failed": "bold red",
    "skipped": "dim",
}
PERSISTED_STATES = {SUCCEEDED: "done", FAILED: "failed"}


def persisted_states(state: RunState | None) -> dict[str, tuple[str, str]]:
    """Step id -> (state shown, output) from a run's file: its last outcome of each step, and the
    cursor's step awaiting approval when the run stopped there."""
    if state is None:
        return {}
    shown = {step: (PERSISTED_STATES.get(status, "pending"), "") for step, status in state.statuses.items()}
    for record in state.history:
        if record.step in shown and record.output is not None:
            shown[record.step] = (shown[record.step][0], str(record.output)[:80])
    if state.status == AWAITING_APPROVAL and state.cursor:
        shown[state.cursor] = ("approval", "")
    return shown


EVENT_STATES = {
    "step-started": "running",
    "waiting": "waiting",
    "approval-needed": "approval",
    "step-finished": "done",
    "step-failed": "failed",
}
