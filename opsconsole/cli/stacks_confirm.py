"""Confirmations for stacks commands: before any API call when no one could confirm, the typed
name for protected environments, and each deferred stack's review before it runs."""

from __future__ import annotations

import sys

from opsconsole.cli import stacks_view as view
from opsconsole.cli.output import OutputFormat, info
from opsconsole.domain.environment import Environment
from opsconsole.domain.errors import NotConfirmed
from opsconsole.domain.stacks import ApproveHook, EnvironmentPlan, StackPlan


def refuse_unconfirmable(environment: Environment, confirm: str | None, yes: bool) -> None:
    """Refuse before any API call when no one could confirm, or --confirm names another environment."""
    from opsconsole.cli.prompts import interactive

    env = environment.name
    if not interactive():
        if environment.protected and confirm is None:
            raise NotConfirmed(
                f"{env} is protected and no terminal is available to confirm the deploy",
                hint=f"pass --confirm {env}",
            )
        if not environment.protected and not yes:
            raise NotConfirmed("no terminal is available to confirm the deploy", hint="pass --yes")
    if confirm is not None and confirm != env:
        raise NotConfirmed(
            f"--confirm {confirm} does not match the environment {env}", hint=f"pass --confirm {env}"
        )


def confirm_change(environment: Environment, confirm: str | None, yes: bool, what: str = "deploy") -> None:
    from opsconsole.cli.prompts import interactive

    env = environment.name
    if environment.protected:
        if confirm == env:
            return
        if not interactive():
            raise NotConfirmed(f"{env} is protected; nothing was changed", hint=f"pass --confirm {env}")
        sys.stderr.write(f"{env} is a protected environment. To {what}, type its name: ")
        sys.stderr.flush()
        answer = sys.stdin.readline().strip()
        if answer != env:
            raise NotConfirmed(f"not confirmed ({answer!r} is not {env!r}); nothing was changed")
        return
    if yes:
        return
    if not interactive():
        raise NotConfirmed("no terminal is available to confirm", hint="pass --yes")
    sys.stderr.write(f"{what.capitalize()} to {env}? [y/N] ")
    sys.stderr.flush()
    if sys.stdin.readline().strip().lower() not in ("y", "yes"):
        raise NotConfirmed("not confirmed; nothing was changed")


def deferred_review(environment: Environment, confirm: str | None, output: OutputFormat) -> ApproveHook:
    """Shows a deferred stack's plan once its change set exists; in a protected environment it
    runs only once its name is typed again (or --confirm named it, when no terminal is there)."""
    from opsconsole.cli.prompts import interactive

    def review(stack_plan: StackPlan) -> bool:
        info(f"{stack_plan.stack_name} was deferred; its plan now that its upstreams are deployed:")
        if output is OutputFormat.TABLE:
            view.render_plan(EnvironmentPlan(environment.name, (stack_plan,)), show_diff=False)
        if not environment.protected:
            return True
        if not interactive():
            return confirm == environment.name
        sys.stderr.write(f"To deploy {stack_plan.stack_name} to {environment.name}, type its name: ")
        sys.stderr.flush()
        if sys.stdin.readline().strip() == environment.name:
            return True
        info(f"{stack_plan.stack_name} not started; its change set is deleted")
        return False

    return review
