"""Settings: the TOML file found in the documented order, OPSCONSOLE_* overrides, validation.

Each setting is declared once, in settings.py; the allowed keys, the conversions, the overrides
and the resolved view are derived from those declarations. Every problem becomes one ConfigError
naming the file, line and key, or the OPSCONSOLE_* variable that caused it.
"""

from __future__ import annotations

from opsconsole.config.loader import candidate_paths, find_config, load_settings, parse_settings
from opsconsole.config.overrides import ENV_PREFIX
from opsconsole.config.settings import AuditSettings, BackendSettings, IdentitySettings, Settings
from opsconsole.config.view import resolved_view

__all__ = [
    "ENV_PREFIX",
    "AuditSettings",
    "BackendSettings",
    "IdentitySettings",
    "Settings",
    "candidate_paths",
    "find_config",
    "load_settings",
    "parse_settings",
    "resolved_view",
]
