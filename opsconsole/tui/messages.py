"""Messages the TUI's workers post: past tense, typed, handled only on the UI thread."""

from __future__ import annotations

from textual.message import Message

from opsconsole.domain.identity import CallerIdentity, RoleSession


class SessionResolved(Message, bubble=False):
    """A role session for an environment was assumed or renewed."""

    def __init__(self, session: RoleSession) -> None:
        super().__init__()
        self.session = session


class SessionFailed(Message, bubble=False):
    """Assuming a role failed; the screen keeps what it showed and marks it stale."""

    def __init__(self, env_name: str, error: str) -> None:
        super().__init__()
        self.env_name = env_name
        self.error = error


class IdentityResolved(Message, bubble=False):
    def __init__(self, identity: CallerIdentity) -> None:
        super().__init__()
        self.identity = identity
