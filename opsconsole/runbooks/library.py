"""Where runbooks live: the shipped ones by name, any file by path, and where runs are kept;
`RunbookLibrary` is the one flow every front-end lists, loads and looks back through them with."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from opsconsole import paths
from opsconsole.domain.errors import InvalidInput
from opsconsole.runbooks.loader import Problem, RunbookInvalid, load_runbook
from opsconsole.runbooks.model import Runbook
from opsconsole.runbooks.state import RunStore


def runbooks_root(configured: str | None = None) -> Path:
    """The shipped runbooks: OPSCONSOLE_RUNBOOKS, ./runbooks, or those packaged with opsconsole."""
    import os

    given = configured or os.environ.get("OPSCONSOLE_RUNBOOKS")
    if given:
        return Path(given).expanduser()
    here = Path.cwd() / "runbooks"
    if here.is_dir() and any(here.glob("*.yaml")):
        return here
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "_runbooks", package.parent / "runbooks"):
        if candidate.is_dir():
            return candidate
    return here


def runbook_files(root: Path) -> list[Path]:
    return sorted(root.glob("*.yaml"))


def find_runbook(name: str, root: Path) -> Path:
    """A file path as given, or the shipped runbook called `name`.

    Raises:
        InvalidInput: neither exists; names the runbooks there are.
    """
    given = Path(name).expanduser()
    if given.is_file():
        return given
    candidate = root / f"{name}.yaml"
    if candidate.is_file():
        return candidate
    known = ", ".join(p.stem for p in runbook_files(root)) or "(none)"
    raise InvalidInput(
        f"no runbook {name!r}", hint=f"shipped runbooks in {root}: {known}; or give a file path"
    )


def runs_dir() -> Path:
    return paths.state_dir() / "runbook-runs"


@dataclass(frozen=True)
class Listed:
    """A runbook file as listed: its book, or the problems that keep it from running."""

    name: str
    path: Path
    book: Runbook | None
    problems: tuple[Problem, ...] = ()

    @property
    def invalid(self) -> str:
        """Why the runbook cannot run, in short ('' when it can)."""
        return "" if self.book is not None else f"invalid: {len(self.problems)} problems"

    @property
    def title(self) -> str:
        if self.book is not None:
            return self.book.title
        return f"{self.name} ({self.invalid}: `opsconsole runbook validate`)"


class RunbookLibrary:
    """The runbooks under a root (the configured or shipped ones) and the runs kept of them.

    Everything here reads files: the TUI calls it from thread workers only.
    """

    def __init__(self, root: Path | None = None, runs: RunStore | None = None) -> None:
        self._root = root
        self._runs = runs

    @property
    def root(self) -> Path:
        return self._root or runbooks_root()

    @property
    def runs(self) -> RunStore:
        """The run files: `<state dir>/runbook-runs/` unless another store was handed in."""
        return self._runs or RunStore(runs_dir())

    def listed(self) -> list[Listed]:
        """Every runbook file under the root, by name, each loaded or with why it cannot be."""
        return [self._listed(path) for path in runbook_files(self.root)]

    def check(self, name: str) -> Listed:
        """The runbook `name` (a shipped name or a file) loaded, or its problems.

        Raises:
            InvalidInput: no such runbook, or the file cannot be read.
        """
        return self._listed(find_runbook(name, self.root))

    def load(self, name: str) -> Runbook:
        """The runbook `name` (a shipped name or a file).

        Raises:
            RunbookInvalid: every problem, each with its line.
            InvalidInput: no such runbook, or the file cannot be read.
        """
        return load_runbook(find_runbook(name, self.root))

    def titles(self) -> list[tuple[str, str]]:
        """(name, title) of every runbook; an invalid one says how to see why."""
        return [(entry.name, entry.title) for entry in self.listed()]

    @staticmethod
    def _listed(path: Path) -> Listed:
        try:
            return Listed(path.stem, path, load_runbook(path))
        except RunbookInvalid as e:
            return Listed(path.stem, path, None, tuple(e.problems))
