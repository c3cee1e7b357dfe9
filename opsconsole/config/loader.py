"""Finding the config file in the documented order and reading it into Settings."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path

from opsconsole import paths
from opsconsole.config.aws_profiles import apply_profiles
from opsconsole.config.builder import SettingsBuilder
from opsconsole.config.locator import Locator
from opsconsole.config.overrides import apply_overrides
from opsconsole.config.settings import Settings
from opsconsole.domain.errors import ConfigError


def candidate_paths(
    explicit: str | os.PathLike[str] | None, environ: Mapping[str, str]
) -> list[tuple[Path, str]]:
    """The places searched for the config file, in order, with how each was chosen."""
    if explicit:
        return [(Path(explicit).expanduser(), "--config")]
    if environ.get("OPSCONSOLE_CONFIG"):
        return [(Path(environ["OPSCONSOLE_CONFIG"]).expanduser(), "$OPSCONSOLE_CONFIG")]
    return [
        (Path.cwd() / paths.CONFIG_FILE_NAME, "current directory"),
        (paths.user_config_dir() / paths.USER_CONFIG_FILE_NAME, "user config directory"),
    ]


def find_config(
    explicit: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None
) -> Path:
    environ = os.environ if environ is None else environ
    candidates = candidate_paths(explicit, environ)
    for path, _how in candidates:
        if path.is_file():
            return path
    if len(candidates) == 1:
        path, how = candidates[0]
        raise ConfigError(
            f"config file {path} (from {how}) does not exist",
            source=str(path),
            hint="check the path, or create a starter file with `opsconsole config init --path PATH`",
        )
    looked = ", ".join(str(p) for p, _ in candidates)
    raise ConfigError(
        "no configuration file found",
        hint=f"looked in: {looked}; create one with `opsconsole config init`, "
        "or try the demo world with `opsconsole demo`",
    )


def load_settings(
    explicit: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Find, read, override and validate the configuration.

    Raises:
        ConfigError: naming the file, line and key of the first problem (or the OPSCONSOLE_*
            variable, for a problem with an override).
    """
    environ = os.environ if environ is None else environ
    path = find_config(explicit, environ)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigError(f"cannot read the file: {e.strerror}", source=str(path)) from e
    except UnicodeDecodeError as e:
        raise ConfigError("the file is not UTF-8 text", source=str(path)) from e
    return parse_settings(text, source=path, environ=environ)


def parse_settings(text: str, *, source: Path | None, environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from the config text with the OPSCONSOLE_* overrides in `environ` applied.

    Raises:
        ConfigError: for the first problem, as load_settings.
    """
    environ = {} if environ is None else environ
    name = str(source) if source else "<config>"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(
            f"invalid TOML: {_strip_position(str(e))}",
            source=name,
            line=_decode_error_line(str(e)),
            hint="fix the syntax at that line (strings need quotes, tables need [brackets])",
        ) from None
    except RecursionError:  # tomllib recurses per nested array or inline table
        raise ConfigError("invalid TOML: values nested too deeply", source=name) from None
    origins = apply_overrides(data, environ)
    profiles = apply_profiles(data, environ, origins)
    return SettingsBuilder(Locator(text, name), origins, profiles).build(data, source)


def _decode_error_line(message: str) -> int | None:
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else None


def _strip_position(message: str) -> str:
    return re.sub(r"\s*\(at line \d+, column \d+\)", "", message)
