"""Open a resource's AWS console page signed in with the environment's role session (the TUI's `s`
in the web links, `opsconsole console open`).

The role session's credentials go to AWS's federation endpoint ([aws] signin_url) for a sign-in
token; the login URL carrying it goes to the browser and nowhere else: it is a bearer credential
for the console, so it is never returned, printed, logged, copied or audited. The audit trail
records the intent (environment, role, destination) and whether a browser took it. Where no
browser can be opened (an ssh session, no display) no token is asked for at all, and the caller
gets the switch-role link instead. In the demo no AWS stands behind the console: nothing is sent,
and the result shows the URL it would open, token redacted, marked simulated.
"""

from __future__ import annotations

import os
import sys
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass

from opsconsole.app.audit import AuditScope
from opsconsole.app.console_links import WebLink, switch_role_link
from opsconsole.app.context import AppContext
from opsconsole.aws.signin import login_url, redacted_login_url, signin_token
from opsconsole.domain.action_kinds import ActionKind
from opsconsole.domain.environment import Environment, RoleTier
from opsconsole.domain.resources import ResourceRef
from opsconsole.links import Linker

Opener = Callable[[str], bool]
"""Hands a URL to the browser; False when none took it (webbrowser.open)."""


@dataclass(frozen=True)
class Signin:
    """What became of a sign-in: never the token, nor a URL that carries it."""

    environment: str
    role: str
    destination: str
    opened: bool
    shown_url: str
    """The login URL with its token redacted: safe to show."""
    simulated: bool = False
    why_not: str = ""
    """Why no browser was opened (ssh, no display, the browser refused), when it was not."""
    switch_role: WebLink | None = None
    """The link to sign in by hand when no browser could be opened."""

    @property
    def summary(self) -> str:
        if self.simulated:
            return f"simulated: the demo has no AWS console; would open {self.shown_url}"
        if self.opened:
            return f"opened the AWS console for {self.environment} as {self.role} in the browser"
        return f"no browser opened: {self.why_not}"


class ConsoleSignin:
    def __init__(self, context: AppContext, opener: Opener | None = None) -> None:
        self._context = context
        self.opener: Opener = opener or _to_browser
        """Where the login URL goes; tests put a recorder here, front-ends leave it."""
        self.browser_check: Callable[[], str | None] = no_browser_reason

    def destination(self, target: ResourceRef | str) -> str:
        """The console page of `target` (a resource, or an environment's console home)."""
        if isinstance(target, str):
            env = self._context.environment(target)
            return f"https://{env.region}.console.aws.amazon.com/console/home?region={env.region}"
        env = self._context.environment(target.environment)
        url = Linker(self._context.settings.links).links(target, env).console_url
        return url or self.destination(target.environment)

    def open(
        self, target: ResourceRef | str, tier: RoleTier = RoleTier.READ, reason: str | None = None
    ) -> Signin:
        """Sign the browser in to `target`'s console page with the environment's `tier` role.

        Raises:
            UnknownEnvironment: the target's environment is not configured.
            CredentialsError, MfaRequired: the role session cannot be had, or the endpoint refused it.
            BackendUnreachable, BackendError: the sign-in endpoint failed; nothing was opened.
        """
        env_name = target if isinstance(target, str) else target.environment
        env = self._context.environment(env_name)
        destination = self.destination(target)
        endpoint = self._context.settings.aws_signin_url
        role = _role_name(env, tier)
        shown = redacted_login_url(endpoint, destination)
        details = {"destination": destination, "tier": tier.value}
        if self._context.settings.demo:
            scope = AuditScope.of_environment(env, tier)
            self._context.audit.event(
                ActionKind.CONSOLE_SIGNIN, scope, reason=reason, details={**details, "simulated": True}
            )
            return Signin(env_name, role, destination, False, shown, simulated=True)
        why_not = self.browser_check()
        if why_not is not None:
            return self._refused(env, role, destination, shown, why_not)
        session = self._context.broker.session(env_name, tier, reason)
        with self._context.audit.change(
            ActionKind.CONSOLE_SIGNIN, AuditScope.of_session(session), reason=reason, details=details
        ) as record:
            credentials = self._context.broker.credentials(env_name, tier, reason)
            token = signin_token(endpoint, credentials, timeout=float(self._context.settings.aws_timeout))
            opened = bool(self.opener(login_url(endpoint, token, destination)))
            del token
            record.details["browser"] = "opened" if opened else "refused"
            if not opened:
                record.fail("no browser took the sign-in URL")
        if not opened:
            return self._refused(env, role, destination, shown, "the browser did not open (webbrowser)")
        return Signin(env_name, role, destination, True, shown)

    def _refused(self, env: Environment, role: str, destination: str, shown: str, why: str) -> Signin:
        link = switch_role_link(env)
        return Signin(env.name, role, destination, False, shown, why_not=why, switch_role=link)


def _to_browser(url: str) -> bool:
    return webbrowser.open(url)


def _role_name(env: Environment, tier: RoleTier) -> str:
    arn = env.roles.get(tier) or ""
    return f"{arn.split(':role/', 1)[-1] or '?'} ({tier.value})"


def no_browser_reason() -> str | None:
    """Why no graphical browser can be opened from here, or None when one can. Outside macOS and
    Windows a browser needs a display; without one webbrowser would start a text browser inside
    the terminal (under the TUI). $BROWSER set by the operator is trusted."""
    if os.environ.get("BROWSER") or sys.platform in ("darwin", "win32"):
        return None
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    if os.environ.get("SSH_CONNECTION") or os.environ.get("SSH_TTY"):
        return "this is an ssh session with no display"
    return "no display (DISPLAY and WAYLAND_DISPLAY are unset)"
