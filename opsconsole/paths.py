"""Where opsconsole keeps its files: the user config and state directories."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "opsconsole"
CONFIG_FILE_NAME = "opsconsole.toml"
USER_CONFIG_FILE_NAME = "config.toml"


def user_config_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def stacks_root(configured: str | None) -> Path:
    """Where stacks.toml lives: the config's [stacks] root, ./stacks, or the stacks shipped with us."""
    if configured:
        return Path(configured).expanduser()
    here = Path.cwd() / "stacks"
    if (here / "stacks.toml").is_file():
        return here
    package = Path(__file__).resolve().parent
    for candidate in (package / "_stacks", package.parent / "stacks"):
        if (candidate / "stacks.toml").is_file():
            return candidate
    return here


def state_dir() -> Path:
    """The state directory (audit journal, demo world); OPSCONSOLE_STATE_DIR overrides it."""
    override = os.environ.get("OPSCONSOLE_STATE_DIR")
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_state_dir(APP_NAME, appauthor=False))


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path`, readable by its owner only: a file that existed with a wider mode is
    narrowed too (os.open's mode applies only when it creates the file)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write(text)


def ensure_private_dir(path: Path) -> Path:
    """Create `path` and any missing parents as 0700, whatever the umask; return it.

    Path.mkdir(parents=True, mode=0o700) gives only the last directory that mode: its parents
    get 0777 minus the umask, which is world-writable under `umask 000`.
    """
    missing: list[Path] = []
    current = path
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=0o700)
        except FileExistsError:
            continue
        os.chmod(directory, 0o700)  # mkdir's mode is masked by the umask; chmod is not
    return path
