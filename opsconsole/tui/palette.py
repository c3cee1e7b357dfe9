"""The command palette's commands, from what the main screen already holds: no backend per keystroke."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from opsconsole.tui.screens.main import MainScreen

Command = tuple[str, Callable[[], object], str]


class ConsoleCommands(Provider):
    """Switch environment, open a service or database, link, deploy stacks, act on problems."""

    def commands(self) -> list[Command]:
        from opsconsole.tui.screens.main import MainScreen

        screen = self.screen
        if not isinstance(screen, MainScreen):
            return []
        return console_commands(screen)

    async def discover(self) -> Hits:
        for name, run, help_text in self.commands():
            yield DiscoveryHit(name, run, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, run, help_text in self.commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), run, help=help_text)


def console_commands(screen: MainScreen) -> list[Command]:
    settings = screen.services.settings
    commands: list[Command] = [
        (f"env: {env.name}", partial(setattr, screen, "current_env", env.name), f"account {env.account_id}")
        for env in settings.environments.values()
    ]
    commands.append(
        ("env: all environments", screen.action_all_environments, "a badge per row, read in parallel")
    )
    for cluster, service in screen.known_services():
        commands.append(
            (
                f"open service: {service}",
                partial(screen.open_service, cluster, service),
                f"{screen.current_env} · {cluster} · links logs and problems",
            )
        )
    for db in screen.known_databases():
        commands.append((f"open database: {db}", partial(screen.open_database, db), screen.current_env))
    commands += [
        ("stacks: plan and deploy", screen.action_open_stacks, f"the {screen.current_env} estate, reviewed"),
        ("timeline of the selection", screen.action_timeline, "what changed before it broke"),
        ("links: on/off", screen.action_toggle_link, "the selection drives logs and problems"),
        ("problems: acknowledge", partial(screen.act_on_problems, "acknowledge"), "the marked or selected"),
        ("problems: close", partial(screen.act_on_problems, "close"), "where the trigger allows"),
        ("maintenance for the linked resource", screen.action_maintenance, "Zabbix, 1 hour"),
        ("runbooks", screen.action_runbooks, "on-call runbooks, inputs from the selection"),
        ("renew the session", screen.action_renew, "assume the read role again"),
        ("environment info", screen.action_environment_info, "account, roles, session"),
    ]
    for name, title in screen.runbook_titles():
        commands.append((f"runbook: {title}", partial(screen.action_runbooks, name), name))
    commands.append(
        ("read-only: on/off", screen.app_toggle_read_only, "hide every change, or show them again")
    )
    if screen.read_only:
        mutating = ("stacks: plan and deploy", "problems:", "maintenance")
        commands = [c for c in commands if not c[0].startswith(mutating)]
    return commands
