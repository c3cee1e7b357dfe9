"""When the environment shown has filled its screen: reads that only feed the background (the
palette's index, the team store) wait for it, so they never compete with the panes' first reads.
At launch on 2 cores, the team store's DynamoDB client alone took 137 ms of wall time."""

from __future__ import annotations

import threading

FILL_WAIT = 5.0
"""The longest a background read waits for the panes (a pane that never answers)."""
READ_PANES = frozenset({"ecs-pane", "rds-pane", "problems-pane"})
"""The panes whose first answer in an environment fills the screen."""


class FillGate:
    """One environment's fill at a time: `enter` starts a new one, `answered` counts the panes."""

    def __init__(self) -> None:
        self._filled = threading.Event()
        self._unanswered = set(READ_PANES)

    def enter(self) -> None:
        """A new environment is shown: wait for its panes. A read still waiting for the one left
        wakes now; its worker, cancelled by the newer read of its exclusive group, ends there."""
        self._filled.set()
        self._filled = threading.Event()
        self._unanswered = set(READ_PANES)

    def answered(self, pane_id: str | None) -> None:
        """A pane's read answered; once each of READ_PANES has, the screen is filled."""
        self._unanswered.discard(pane_id or "")
        if not self._unanswered:
            self._filled.set()

    @property
    def current(self) -> threading.Event:
        """The environment shown's fill, for a worker to wait on (`wait(FILL_WAIT)`)."""
        return self._filled
