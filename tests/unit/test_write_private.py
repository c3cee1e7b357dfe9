"""Files holding tokens and keys are written readable by their owner only, even over a file that
already existed with a wider mode (os.open's mode applies only when it creates the file)."""

from __future__ import annotations

import stat
from pathlib import Path

from opsconsole.paths import write_private


def test_a_new_file_is_0600(tmp_path: Path) -> None:
    path = tmp_path / "token"
    write_private(path, "secret\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and path.read_text(encoding="utf-8") == "secret\n"


def test_an_existing_world_readable_file_is_narrowed_and_replaced(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text("an old, longer value\n", encoding="utf-8")
    path.chmod(0o644)
    write_private(path, "new\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and path.read_text(encoding="utf-8") == "new\n"
