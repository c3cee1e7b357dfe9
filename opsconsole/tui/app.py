"""The opsconsole Textual app: the application (a Console) in, widgets out."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TYPE_CHECKING

from textual import events, on
from textual.app import App
from textual.binding import Binding

from opsconsole.domain.environment import RoleTier
from opsconsole.domain.errors import InvalidInput, OpsError
from opsconsole.tui.gc_pacing import KeyFirst, tune_gc
from opsconsole.tui.mfa import MfaRequested, MfaScreen
from opsconsole.tui.screens.main import MainScreen

if TYPE_CHECKING:
    from opsconsole.ports import ConsolePort, RunbookRunner, RunbooksPort
    from opsconsole.runbooks.library import RunbookLibrary


class TitlesOnly:
    """The runbooks of a console started without an engine (tests over fake backends)."""

    @property
    def library(self) -> RunbookLibrary:
        from opsconsole.runbooks.library import RunbookLibrary  # YAML: read after the first screen

        return RunbookLibrary()

    def engine(self, **_: object) -> RunbookRunner:
        raise InvalidInput("this console was started without a runbook engine: start it with `opsconsole`")


WORKER_THREADS = 32
"""Threads for the panes' and controllers' workers (reads wait on sockets, not on the CPU)."""


class OpsConsoleApp(App[int]):
    """The console. The application arrives as `console`; no widget builds a client."""

    CSS_PATH = "app.tcss"
    TITLE = "opsconsole"
    BINDINGS = [
        Binding("q", "quit", "Quit", id="app-quit", tooltip="Leave the console."),
        # as in k9s and most terminal tools (Textual's default only says to press ctrl+q); an input
        # with selected text keeps ctrl+c for copy
        Binding("ctrl+c", "quit", "Quit", id="app-quit-ctrl-c", show=False, tooltip="Leave the console."),
        Binding("f1", "toggle_help", "Keys", id="app-help", tooltip="Show or hide every key binding."),
    ]

    def __init__(
        self,
        console: ConsolePort,
        *,
        runbooks: RunbooksPort | None = None,
        initial_env: str | None = None,
    ) -> None:
        """`runbooks` runs runbooks over the same console (opsconsole.app.runbooks.Runbooks); without
        it the runbook screen lists them and says runs need a console started with an engine."""
        super().__init__()
        self.ops = console
        """The application (App.console is Rich's)."""
        self.runbooks: RunbooksPort = runbooks or TitlesOnly()
        self._initial_env = initial_env
        self._collector = KeyFirst()
        settings = self.ops.settings
        self.read_only = settings.read_only
        """Every mutating action hidden; on with --read-only or the config, or from the palette."""
        if settings.keymap:
            self.set_keymap(dict(settings.keymap))

    def on_mount(self) -> None:
        # Thread workers run on the loop's default executor (6 threads on 2 cores): a switch's
        # reads queued behind reads of the environment left, still waiting on their sockets.
        asyncio.get_running_loop().set_default_executor(
            ThreadPoolExecutor(max_workers=WORKER_THREADS, thread_name_prefix="worker")
        )
        self.theme = "textual-dark"
        env_name = self._initial_env or self.ops.settings.first_environment.name
        self.push_screen(MainScreen(self.ops, self.runbooks, env_name))
        # The first screen's role session is assumed while the screen is built, not after it:
        # every pane's first read waits on it (the screen's session keeper reports a failure).
        self.run_worker(
            partial(self._assume_first, env_name),
            thread=True,
            exit_on_error=False,
            group="first-session",
            description="Assuming the first read role",
        )
        tune_gc()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:  # no collection while answering it
            self._collector.key_pressed(asyncio.get_running_loop())
        await super().on_event(event)

    def on_unmount(self) -> None:
        self._collector.resume()  # a hold ends with the app (its deadline dies with the loop)

    def _assume_first(self, env_name: str) -> None:
        try:
            self.ops.access.session(env_name, RoleTier.READ)
        except OpsError:
            return  # said by the session keeper, whose own request fails the same way

    def read_only_in(self, env_name: str) -> bool:
        """Whether changes are off in `env_name`: console-wide, or that environment's own setting."""
        return self.read_only or self.ops.settings.environment(env_name).read_only

    def toggle_read_only(self) -> None:
        if self.ops.settings.read_only:
            self.notify(
                "read-only comes from --read-only or the config: restart without it", severity="warning"
            )
            return
        self.read_only = not self.read_only
        self.screen.refresh_bindings()
        for bar in self.screen.query("EnvironmentBar"):
            bar.set_class(self.read_only, "read-only")
        self.notify("read-only: every change is hidden" if self.read_only else "changes allowed again")

    @on(MfaRequested)
    def _mfa_requested(self, message: MfaRequested) -> None:
        """A thread renewing the identity needs a code: ask on this thread, in a modal."""
        self.push_screen(MfaScreen(message.serial), message.answer)

    def action_toggle_help(self) -> None:
        from opsconsole.tui.screens.keys import KeysScreen

        groups = getattr(self.screen, "key_groups", None)
        if groups is not None:
            self.push_screen(KeysScreen(groups()))
        elif self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()
