"""What the team store did not get while it was unreachable, kept locally and replayed later.

Only writes that are safe to make late go here (the action index, run states); a lock or an
approval is never journaled: a mutation that needs one refuses while the store is away.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from opsconsole.domain.team import TeamStoreUnavailable


class OfflineJournal:
    """A JSONL file of pending writes (`kind` + `data`), rewritten with what is left after a replay."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def add(self, kind: str, data: dict[str, Any]) -> None:
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            with self.path.open("a", encoding="utf-8") as out:
                out.write(json.dumps({"kind": kind, "data": data}, sort_keys=True) + "\n")
                out.flush()
                os.fsync(out.fileno())

    def pending(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def replay(self, send: Callable[[str, dict[str, Any]], None]) -> int:
        """Send each pending write in order; stop at the first the store still cannot take.

        Returns:
            How many were sent.
        """
        with self._lock:
            entries = self.pending()
            sent = 0
            for entry in entries:
                try:
                    send(entry["kind"], entry["data"])
                except TeamStoreUnavailable:
                    break
                sent += 1
            if sent:
                rest = entries[sent:]
                tmp = self.path.with_suffix(".tmp")
                tmp.write_text("".join(json.dumps(e, sort_keys=True) + "\n" for e in rest), encoding="utf-8")
                tmp.replace(self.path)
            return sent
