"""The last resort for a failure no adapter translated: one message and a private crash report.

Every error a user or a backend can cause is an OpsError with its own message; anything else is a
bug of ours, and an on-call engineer needs to know that in one line, not read a traceback. The
traceback goes to a 0600 file under the state directory, which the message names.
"""

from __future__ import annotations

import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path

DEBUG_VARIABLE = "OPSCONSOLE_DEBUG"
"""Set to 1 to let an unexpected exception through with its traceback (the tests set it)."""


def report_crash(error: BaseException) -> int:
    """Write the crash report, say where it is, and return exit code 1."""
    summary = f"{type(error).__name__}: {error}".splitlines()[0][:300]
    try:
        path = _write_report(error)
        where = f"the details are in {path}"
    except OSError as e:  # the report is a courtesy; the message must still be said
        where = f"no crash report could be written ({e.strerror or e})"
    sys.stderr.write(f"error: an unexpected failure inside opsconsole: {summary}\n")
    sys.stderr.write(f"  → this is a bug in opsconsole, not in your input: {where}; please report it\n")
    return 1


def _write_report(error: BaseException) -> Path:
    from opsconsole.paths import ensure_private_dir, state_dir, write_private

    folder = ensure_private_dir(state_dir() / "crashes")
    path = folder / f"crash-{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}.txt"
    text = "".join(traceback.format_exception(error))
    write_private(path, f"opsconsole {' '.join(sys.argv[1:2])}\n{text}")
    return path
