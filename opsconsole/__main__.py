from __future__ import annotations

from opsconsole.cli.main import run

run()
