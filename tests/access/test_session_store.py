"""The session store: keyring when usable, else an encrypted file, else memory; never plaintext.
State directories are 0700 whatever the umask."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backend import KeyringBackend

from opsconsole.aws.credential_cache import (
    EncryptedFileStore,
    KeyringStore,
    MemoryStore,
    describe,
    open_store,
    usable_keyring,
)
from opsconsole.paths import ensure_private_dir

ENTRY = {
    "AccessKeyId": "ASIAEXAMPLE",
    "SecretAccessKey": "very-secret-value",
    "SessionToken": "tok",
    "Expiration": "2030-01-01T00:00:00+00:00",
}


class DictKeyring(KeyringBackend):
    """A keyring backend that keeps secrets in a dict: stands in for the OS keychain (simulated)."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.secrets.pop((service, username), None)


@pytest.fixture
def os_keyring() -> Iterator[DictKeyring]:
    previous = keyring.get_keyring()
    backend = DictKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def test_without_keyring_or_passphrase_sessions_stay_in_memory(tmp_path: Path) -> None:
    store = open_store(tmp_path, environ={})
    assert isinstance(store, MemoryStore)
    assert "memory only" in describe(store) and "OPSCONSOLE_CACHE_PASSPHRASE" in describe(store)
    assert not list(tmp_path.iterdir())


def test_a_usable_keyring_is_preferred_and_logout_empties_it(tmp_path: Path, os_keyring: DictKeyring) -> None:
    assert usable_keyring() is os_keyring
    store = open_store(tmp_path, environ={"OPSCONSOLE_CACHE_PASSPHRASE": "x"})
    assert isinstance(store, KeyringStore) and describe(store).startswith("OS keyring")
    store.put("role-session:a", ENTRY)
    store.put("mfa-session:b", ENTRY)
    assert store.get("role-session:a") == ENTRY
    assert store.clear() == 2
    assert os_keyring.secrets == {}
    assert not list(tmp_path.iterdir())  # nothing on disk


def test_the_encrypted_file_holds_no_secret_and_needs_the_passphrase(tmp_path: Path) -> None:
    store = open_store(tmp_path / "state", environ={"OPSCONSOLE_CACHE_PASSPHRASE": "right"})
    assert isinstance(store, EncryptedFileStore)
    store.put("k", ENTRY)
    raw = store.path.read_bytes()
    assert b"very-secret-value" not in raw and b"ASIAEXAMPLE" not in raw
    assert store.path.stat().st_mode & 0o777 == 0o600
    assert EncryptedFileStore(store.path, "right").get("k") == ENTRY
    assert EncryptedFileStore(store.path, "wrong").get("k") is None  # another passphrase: a miss
    store.path.write_text("garbage", encoding="utf-8")
    assert store.get("k") is None  # a corrupt file: a miss, never a crash


def test_state_directories_are_private_under_umask_000(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        target = ensure_private_dir(tmp_path / "a" / "b" / "state")
        probe = tmp_path / "control"
        probe.mkdir(parents=True)
    finally:
        os.umask(old)
    for directory in (tmp_path / "a", tmp_path / "a" / "b", target):
        assert directory.stat().st_mode & 0o777 == 0o700, directory
    assert probe.stat().st_mode & 0o777 == 0o777  # what plain mkdir would have made


def test_the_audit_journal_parents_are_private_under_umask_000(tmp_path: Path) -> None:
    from opsconsole.audit import AuditJournal

    journal = AuditJournal(tmp_path / "x" / "y" / "audit.jsonl")
    old = os.umask(0)
    try:
        journal.append(_any_record())
    finally:
        os.umask(old)
    assert (tmp_path / "x").stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "x" / "y").stat().st_mode & 0o777 == 0o700


def _any_record() -> Any:
    class Record:
        def to_json_dict(self) -> dict[str, str]:
            return {"action": "test"}

    return Record()
