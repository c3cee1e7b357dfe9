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


def state_dir() -> Path:
    """The state directory (audit journal, demo world); OPSCONSOLE_STATE_DIR overrides it."""
    override = os.environ.get("OPSCONSOLE_STATE_DIR")
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_state_dir(APP_NAME, appauthor=False))
