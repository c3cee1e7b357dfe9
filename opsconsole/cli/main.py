"""The `opsconsole` command: the TUI without a subcommand, headless groups with one.

Startup stays fast by importing boto3 and Textual only inside the commands that use them, and
by plain (click) help and usage errors instead of typer's Rich panels.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from opsconsole import __version__
from opsconsole.cli.state import CliState, state_of

COMMANDS = {
    "accounts": "accounts:app",
    "config": "config_cmd:app",
    "stacks": "stacks_cmd:app",
    "ecs": "ecs_cmd:app",
    "rds": "rds_cmd:app",
    "alerts": "alerts_cmd:app",
    "audit": "audit_cmd:app",
    "logs": "logs_cmd:app",
    "links": "links_cmd:app",
    "console": "console_cmd:app",
    "runbook": "runbook_cmd:app",
    "team": "team_cmd:app",
    "demo": "demo_cmd:demo",
    "timeline": "timeline_cmd:timeline",
}
"""Top-level commands in `--help` order: a group's Typer app or a single command's function,
as `module:attribute` under opsconsole.cli. Only the invoked one is imported (see `_wanted`)."""

_ROOT_VALUE_OPTIONS = frozenset({"--config", "-c"})
"""The root's options that take a value (`root`'s signature): the value is not a command."""
_ROOT_HELP = frozenset({"-h", "--help"})


def _version(value: bool) -> None:
    if value:
        typer.echo(f"opsconsole {__version__}")
        raise typer.Exit()


def root(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            help="Config file (else $OPSCONSOLE_CONFIG, ./opsconsole.toml, the user config dir).",
        ),
    ] = None,
    read_only: Annotated[bool, typer.Option("--read-only", help="Remove every mutating action.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    ctx.obj = state = CliState(config_path=config, read_only=read_only)
    # Queued audit records get a moment to reach Graylog before the process ends.
    ctx.call_on_close(state.close)
    if ctx.invoked_subcommand is None:
        from opsconsole.cli.launch import launch_tui

        raise typer.Exit(launch_tui(state_of(ctx).settings()))


def _wanted(argv: list[str]) -> list[str]:
    """The command `argv` invokes, or every command when it names none (help, the TUI, a typo).

    Importing one command module instead of fourteen, and letting typer build one group instead
    of sixty commands, takes ~100 ms off every headless run.
    """
    args = iter(argv)
    for arg in args:
        if arg in _ROOT_HELP:
            break  # `opsconsole -h ecs` is the root's help: it lists every command
        if arg in _ROOT_VALUE_OPTIONS:
            next(args, None)
        elif not arg.startswith("-"):
            return [arg] if arg in COMMANDS else list(COMMANDS)
    return list(COMMANDS)


def build_app(names: list[str]) -> typer.Typer:
    """The root command with the commands `names` registered, in `COMMANDS` order."""
    app = typer.Typer(
        name="opsconsole",
        help="Operations console for dev, staging and prod: AWS roles, ECS, RDS, Zabbix and Graylog."
        "\n\nWithout a command, opens the TUI.\n\n"
        "Exit codes: 0 ok, 1 failed, 2 invalid input, 3 denied or not confirmed.",
        add_completion=False,
        pretty_exceptions_enable=False,
        # Plain help and usage errors: typer's Rich renderer imports rich.markdown (markdown-it,
        # pygments) and rich.traceback (attrs), ~40% of the imports of `opsconsole --help`.
        rich_markup_mode=None,
        context_settings={"help_option_names": sorted(_ROOT_HELP)},
    )
    app.callback(invoke_without_command=True)(root)
    for name in (n for n in COMMANDS if n in names):
        module, attribute = COMMANDS[name].split(":")
        target = getattr(importlib.import_module(f"opsconsole.cli.{module}"), attribute)
        if isinstance(target, typer.Typer):
            app.add_typer(target, name=name)
        else:
            app.command(name)(target)
    return app


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code; user errors are messages, never tracebacks."""
    from opsconsole.cli.output import report_error
    from opsconsole.domain.errors import OpsError

    try:
        # Standalone mode: typer reports usage errors itself (exit code 2) and exits.
        args = sys.argv[1:] if argv is None else argv
        build_app(_wanted(args))(args=args, prog_name="opsconsole", standalone_mode=True)
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except OpsError as e:
        report_error(e)
        return int(e.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    except Exception as e:
        from opsconsole.cli.crash import DEBUG_VARIABLE, report_crash

        if os.environ.get(DEBUG_VARIABLE) == "1":
            raise
        return report_crash(e)
    return 0


def run() -> None:
    sys.exit(main())
