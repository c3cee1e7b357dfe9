"""Where runbooks live: the shipped ones by name, any file by path, and where runs are kept."""

from __future__ import annotations

from pathlib import Path

from opsconsole import paths
from opsconsole.domain.errors import InvalidInput
from opsconsole.runbooks.loader import RunbookInvalid, load_runbook


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


def runbook_titles(root: Path | None = None) -> list[tuple[str, str]]:
    """(name, title) of the runbooks under `root` (the configured or shipped ones); reads files, so
    the TUI calls it from thread workers only. An invalid runbook is listed with how to see why."""
    titles = []
    for path in runbook_files(root or runbooks_root()):
        try:
            titles.append((path.stem, load_runbook(path).title))
        except RunbookInvalid:
            titles.append((path.stem, f"{path.stem} (invalid: `opsconsole runbook validate`)"))
    return titles
