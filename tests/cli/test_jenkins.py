"""The Jenkins example stays runnable: its config validates and every flag it passes exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from opsconsole.config import load_settings
from tests.helpers import run_cli

JENKINS = Path(__file__).resolve().parents[2] / "jenkins"


def test_jenkins_config_is_valid_and_prod_is_protected() -> None:
    settings = load_settings(JENKINS / "opsconsole.toml", environ={})
    assert list(settings.environments) == ["dev", "staging", "prod"]
    assert settings.environment("prod").protected


@pytest.mark.parametrize("command", ["validate", "deploy", "plan"])
def test_every_flag_the_jenkinsfile_passes_exists(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    pipeline = (JENKINS / "Jenkinsfile").read_text(encoding="utf-8")
    used = set()
    for line in pipeline.splitlines():
        if f"opsconsole stacks {command} " in line:
            used |= set(re.findall(r"\s(--[a-z-]+)", line))
    assert used or command == "validate"
    help_text = run_cli(capsys, "stacks", command, "--help").stdout
    for flag in used:
        assert flag in help_text, f"{command} has no {flag}"
