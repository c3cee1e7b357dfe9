"""The CLI imports only the command it runs: which commands an argv registers, and that help, a
typo and a group's own help still see what they should."""

from __future__ import annotations

import pytest

from opsconsole.cli.main import COMMANDS, _wanted, main

EVERY = list(COMMANDS)


@pytest.mark.parametrize(
    ("argv", "wanted"),
    [
        (["ecs", "services", "--env", "prod"], ["ecs"]),
        (["-c", "ops.toml", "alerts", "list"], ["alerts"]),
        (["--config", "ecs", "rds", "list"], ["rds"]),  # a config file named like a command
        (["--config=ops.toml", "stacks", "plan"], ["stacks"]),
        (["--read-only", "runbook", "approve"], ["runbook"]),
        ([], EVERY),  # the TUI
        (["--help"], EVERY),
        (["-h", "ecs"], EVERY),  # the root's help, though a command follows
        (["--version"], EVERY),
        (["ecz", "services"], EVERY),  # a typo: click suggests among all of them
    ],
)
def test_the_commands_an_argv_registers(argv: list[str], wanted: list[str]) -> None:
    assert _wanted(argv) == wanted


def test_help_lists_every_command_and_a_group_its_own(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-h", "ecs"]) == 0
    listed = capsys.readouterr().out
    assert all(f"  {name} " in listed for name in COMMANDS), listed
    assert main(["runbook", "--help"]) == 0
    assert "approve" in capsys.readouterr().out  # registered by the runbook group itself
    assert main(["ecz"]) == 2
    assert "Did you mean 'ecs'?" in capsys.readouterr().err
