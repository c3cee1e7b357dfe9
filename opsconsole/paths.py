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
