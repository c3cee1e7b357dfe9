"""`with_access`: one `access` parameter becomes --reason, --confirm and --mfa-code for typer."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from opsconsole.cli.access import Access, with_access


def _app(seen: list[Access]) -> typer.Typer:
    app = typer.Typer()

    @app.command()
    @with_access
    def act(env: str, *, access: Access, loud: bool = False) -> None:
        seen.append(access)
        typer.echo(f"{env} loud={loud}")

    @app.command()
    def other() -> None:  # a second command, so typer keeps `act` as a subcommand
        pass

    return app


def test_the_three_options_reach_the_command_as_one_access() -> None:
    seen: list[Access] = []
    argv = ["act", "prod", "--reason", "INC-1", "--confirm", "prod", "--mfa-code", "123456", "--loud"]
    result = CliRunner().invoke(_app(seen), argv)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "prod loud=True"
    assert seen == [Access(reason="INC-1", confirm="prod", mfa_code="123456")]


def test_left_out_options_are_none_and_help_names_each_once() -> None:
    seen: list[Access] = []
    assert CliRunner().invoke(_app(seen), ["act", "dev"]).exit_code == 0
    assert seen == [Access()]
    shown = CliRunner().invoke(_app(seen), ["act", "--help"]).output
    assert [shown.count(flag) for flag in ("--reason", "--confirm", "--mfa-code", "--access")] == [1, 1, 1, 0]
