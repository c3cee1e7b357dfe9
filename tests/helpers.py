"""Helpers for running the CLI in-process and capturing its streams."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from opsconsole.cli.main import main


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> CliResult:
    capsys.readouterr()
    code = main(list(args))
    out = capsys.readouterr()
    return CliResult(code, out.out, out.err)
