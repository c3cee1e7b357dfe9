"""Starting the TUI from the CLI: the only place the CLI reaches for Textual, lazily."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from opsconsole.cli.prompts import mfa_prompt

if TYPE_CHECKING:
    from textual.app import App

    from opsconsole.config import Settings
    from opsconsole.tui.mfa import ModalMfaPrompt


def launch_tui(settings: Settings, *, ready: Callable[[], None] | None = None) -> int:
    """Sign in (asking for MFA on the terminal if needed), then run the app until it exits.

    With `ready` (the demo's world still starting) the app opens at once and signs in from its
    workers once `ready()` returns: panes wait for AWS, the DEMO badge says how far the world is.
    """
    from opsconsole.app.console import Console
    from opsconsole.app.runbooks import Runbooks
    from opsconsole.tui.mfa import ModalMfaPrompt

    # MFA codes: on the terminal before the screen switches, in a modal once the app runs.
    prompt = ModalMfaPrompt(mfa_prompt(None))
    console = Console.build(settings, mfa_prompt=prompt, ready=ready)
    if ready is None:
        # Fails here, before the screen switches, when there are no credentials or MFA is refused.
        console.access.caller_identity()

    from opsconsole.tui.app import OpsConsoleApp

    app = OpsConsoleApp(console, runbooks=Runbooks(console))
    prompt.attach(app)
    try:
        return run_until_sigterm(app, prompt)
    finally:
        console.close()


def run_until_sigterm(app: App[int], prompt: ModalMfaPrompt) -> int:
    """Run the app until it exits or SIGTERM arrives, whatever it shows (an MFA modal too); a
    thread waiting for an MFA code stops waiting as the app ends."""

    def on_sigterm(*_: object) -> None:
        # Signal handlers run on the app's own thread; exit through a helper thread.
        threading.Thread(target=lambda: app.call_from_thread(app.exit), daemon=True).start()

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        app.run()
    finally:
        prompt.close()
        signal.signal(signal.SIGTERM, previous)
    return app.return_code or 0
