"""A run's hold on the team locks of the protected environments it changes: taken at its first
change there, renewed while the run goes on (its waits included, so nobody deploys between its
steps), let go when the run ends or pauses. The environments held are in the run's file: a run
killed while holding them resumes only once it can take them again, that is after their leases
expire or someone breaks them (audited)."""

from __future__ import annotations

from contextlib import ExitStack

from opsconsole.app.console import Console
from opsconsole.domain.action_kinds import ActionKind
from opsconsole.domain.errors import Denied
from opsconsole.domain.team import LockHeld
from opsconsole.runbooks.state import RunState


class RunLeaseHeld(Denied):
    """The lease of a run's earlier process (killed, crashed) is still live."""


class RunLease:
    """The locks one drive of a run holds; `release` lets them all go."""

    def __init__(self, console: Console, state: RunState) -> None:
        self.console = console
        self.state = state
        self._stack = ExitStack()
        self._taken: list[str] = []

    def purpose(self) -> str:
        return f"runbook {self.state.runbook} run {self.state.run_id}"

    def hold(self, action: str | None, environment: str | None) -> bool:
        """Take `environment`'s lock for the rest of the run (a protected one, with a team).

        Returns:
            Whether a lock was newly taken (the caller saves the run's file then).

        Raises:
            LockHeld: another operator holds it. TeamStoreUnavailable: the store is away.
        """
        if self.state.dry_run or not environment or self.console.team is None:
            return False
        if action == ActionKind.STACKS_PLAN.value:  # a plan changes nothing
            return False
        env = self.console.context.environment(environment)
        if not env.protected or environment in self._taken:
            return False
        self._stack.enter_context(self.console.context.guarded(env, self.purpose()))
        self._taken.append(environment)
        if environment not in self.state.holds:
            self.state.holds.append(environment)
        return True

    def take_again(self) -> None:
        """A resumed run takes the locks its file says it held, before any step runs.

        Raises:
            RunLeaseHeld: the run's previous process still holds one (its lease is live).
            LockHeld: someone else took it meanwhile.
        """
        for environment in list(self.state.holds):
            try:
                self.hold(None, environment)
            except LockHeld as e:
                self._stack.close()  # what was taken again goes; the file still names them all
                self._taken.clear()
                if e.lease.purpose != self.purpose():
                    raise
                raise RunLeaseHeld(
                    f"{environment} is still locked by this run's previous process ({e.lease.holder}), "
                    f"which stopped while holding it; its lease expires at "
                    f"{e.lease.expires_at:%Y-%m-%d %H:%M:%S} UTC",
                    hint=f"resume after that, or `opsconsole team break {environment} --reason ...` "
                    "(audited) if that process is surely gone",
                ) from e

    def release(self) -> bool:
        """Let every lock go. Returns whether the run held any (its file then changes)."""
        held = bool(self.state.holds)
        self._stack.close()
        self._taken.clear()
        self.state.holds = []
        return held
