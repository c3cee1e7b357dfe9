"""The command palette's provider: the commands come from the screen (its `palette_commands`), so
this module knows no screen and none imports it back."""

from __future__ import annotations

from collections.abc import Callable

from textual.command import DiscoveryHit, Hit, Hits, Provider

Command = tuple[str, Callable[[], object], str]


class ConsoleCommands(Provider):
    """Switch environment, open a service or database, link, deploy stacks, act on problems."""

    def commands(self) -> list[Command]:
        source: Callable[[], list[Command]] | None = getattr(self.screen, "palette_commands", None)
        return source() if source is not None else []

    async def discover(self) -> Hits:
        for name, run, help_text in self.commands():
            yield DiscoveryHit(name, run, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        # Words in any order too: "prod api" finds "open service: api (prod)".
        words = [self.matcher(word) for word in query.split()] if len(query.split()) > 1 else []
        for name, run, help_text in self.commands():
            score = matcher.match(name)
            if score <= 0 and words:
                scores = [word.match(name) for word in words]
                score = min(scores) * 0.9 if all(s > 0 for s in scores) else 0
            if score > 0:
                yield Hit(score, matcher.highlight(name), run, help=help_text)
