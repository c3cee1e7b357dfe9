"""The audit journal: append-only JSONL, one fsync per record, readable with `audit list`."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from opsconsole.domain.audit import AuditRecord
from opsconsole.domain.errors import BackendError
from opsconsole.paths import ensure_private_dir


class AuditJournal:
    """Appends records to a JSONL file with mode 0600; a record is on disk before append returns."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def append(self, record: AuditRecord) -> None:
        """Write one record durably.

        Raises:
            BackendError: the journal cannot be written; the caller must not go ahead.
        """
        line = json.dumps(record.to_json_dict(), sort_keys=True, default=str) + "\n"
        with self._lock:
            try:
                ensure_private_dir(self.path.parent)
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                try:
                    # One write() call per record keeps concurrent appenders from interleaving.
                    os.write(fd, line.encode("utf-8"))
                    os.fsync(fd)
                finally:
                    os.close(fd)
            except OSError as e:
                raise BackendError(
                    f"cannot write the audit journal {self.path}: {e.strerror}",
                    hint="nothing was done; fix the path or permissions ([audit] journal in the config)",
                ) from e

    def records(self, since: datetime | None = None) -> Iterator[AuditRecord]:
        """Records in the order written, optionally only those at or after `since`."""
        if not self.path.exists():
            return
        with self.path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    record = AuditRecord.from_json_dict(json.loads(line))
                except (ValueError, KeyError, TypeError) as e:
                    raise BackendError(f"{self.path}:{number}: damaged audit record ({e})") from e
                if since is None or record.at >= since:
                    yield record
