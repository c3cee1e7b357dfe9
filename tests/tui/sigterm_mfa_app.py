"""Run as a program by test_sigterm_mfa.py: the TUI over the MFA fake world, its MFA session over,
started through the CLI's own SIGTERM handling (`run_until_sigterm`). Writes what the renewing
worker was told to the file named by argv[1] once the app has ended."""

from __future__ import annotations

import json
import sys
import threading
from datetime import timedelta

from opsconsole.cli.launch import run_until_sigterm
from opsconsole.tui.app import OpsConsoleApp
from tests.tui.fakes import NOW
from tests.tui.test_mfa import MfaWorld


def main(result_file: str) -> int:
    world = MfaWorld()
    world.at = NOW + timedelta(minutes=40)  # past the MFA session's end: the next renewal asks
    app = OpsConsoleApp(world)
    world.prompt.attach(app)
    code = run_until_sigterm(app, world.prompt)
    for _ in range(40):  # the worker's thread notices the app's end within a poll
        if world.mfa_access.refused:
            break
        threading.Event().wait(0.05)
    with open(result_file, "w") as out:
        json.dump({"code": code, "refused": world.mfa_access.refused, "codes": world.mfa_access.codes}, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
