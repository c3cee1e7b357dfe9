"""Where sessions survive the command: the OS keyring, an encrypted file, or memory only.

- **keyring**: when the `keyring` package finds a usable backend (macOS Keychain, Windows
  Credential Locker, Secret Service), each entry is one secret under the service `opsconsole`.
- **encrypted file**: otherwise, with `OPSCONSOLE_CACHE_PASSPHRASE` set, one file
  (`<state dir>/sessions.enc`, 0600) encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under a
  key derived by scrypt from the passphrase and a random salt stored beside the ciphertext. The
  key is never written; without the passphrase the file cannot be read.
- **memory**: otherwise; sessions last as long as the process (`config check` says so).

Entries are JSON objects with an ISO `expires_at`; an entry is never trusted blindly: the broker
checks its expiry and account before use.
"""

from __future__ import annotations

import base64
import json
import os
import threading
from pathlib import Path
from typing import Any, Protocol

SERVICE = "opsconsole"
PASSPHRASE_ENV = "OPSCONSOLE_CACHE_PASSPHRASE"
_INDEX = "__index__"


class SessionStore(Protocol):
    kind: str
    """"keyring", "encrypted file" or "memory"."""

    def get(self, key: str) -> dict[str, Any] | None: ...

    def put(self, key: str, value: dict[str, Any]) -> None: ...

    def clear(self) -> int:
        """Remove every entry; returns how many there were."""
        ...


class MemoryStore:
    kind = "memory"

    def __init__(self) -> None:
        self._data: dict[str, dict[str, Any]] = {}

    def get(self, key: str) -> dict[str, Any] | None:
        return self._data.get(key)

    def put(self, key: str, value: dict[str, Any]) -> None:
        self._data[key] = value

    def clear(self) -> int:
        count = len(self._data)
        self._data.clear()
        return count


class KeyringStore:
    """One keyring secret per entry, plus an index entry so logout can remove them all."""

    kind = "keyring"

    def __init__(self, backend: Any) -> None:
        self._backend = backend

    def get(self, key: str) -> dict[str, Any] | None:
        try:
            text = self._backend.get_password(SERVICE, key)
        except Exception:  # a locked or broken keyring is a cache miss, never a failure
            return None
        return _loads(text)

    def put(self, key: str, value: dict[str, Any]) -> None:
        try:
            self._backend.set_password(SERVICE, key, json.dumps(value))
            index = set(_loads_list(self._backend.get_password(SERVICE, _INDEX)))
            index.add(key)
            self._backend.set_password(SERVICE, _INDEX, json.dumps(sorted(index)))
        except Exception:
            return

    def clear(self) -> int:
        try:
            index = _loads_list(self._backend.get_password(SERVICE, _INDEX))
            for key in [*index, _INDEX]:
                try:
                    self._backend.delete_password(SERVICE, key)
                except Exception:
                    continue
        except Exception:
            return 0
        return len(index)


class EncryptedFileStore:
    """All entries in one Fernet-encrypted file; the key comes from a passphrase via scrypt."""

    kind = "encrypted file"

    def __init__(self, path: Path, passphrase: str) -> None:
        self.path = path
        self._passphrase = passphrase.encode("utf-8")
        self._lock = threading.Lock()
        self._keys: dict[bytes, Any] = {}
        """Fernet by salt: scrypt runs once per salt and process (it costs ~50 ms on purpose)."""
        self._salt: bytes | None = None

    def get(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            return self._read().get(key)

    def put(self, key: str, value: dict[str, Any]) -> None:
        with self._lock:
            data = self._read()
            data[key] = value
            self._write(data)

    def clear(self) -> int:
        with self._lock:
            count = len(self._read())
            self.path.unlink(missing_ok=True)
            return count

    def _fernet(self, salt: bytes) -> Any:
        from cryptography.fernet import Fernet
        from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

        if salt not in self._keys:
            key = Scrypt(salt=salt, length=32, n=2**14, r=8, p=1).derive(self._passphrase)
            self._keys[salt] = Fernet(base64.urlsafe_b64encode(key))
        return self._keys[salt]

    def _read(self) -> dict[str, dict[str, Any]]:
        from cryptography.fernet import InvalidToken

        try:
            blob = json.loads(self.path.read_text(encoding="utf-8"))
            salt = base64.b64decode(blob["salt"])
            plain = self._fernet(salt).decrypt(blob["data"].encode("ascii"))
            self._salt = salt
            data = json.loads(plain)
        except (OSError, ValueError, KeyError, TypeError, InvalidToken):
            # Missing, corrupt, or sealed with another passphrase: start afresh.
            return {}
        return data if isinstance(data, dict) else {}

    def _write(self, data: dict[str, dict[str, Any]]) -> None:
        from opsconsole.paths import ensure_private_dir

        ensure_private_dir(self.path.parent)
        salt = self._salt or os.urandom(16)  # a fresh IV per write either way (Fernet)
        self._salt = salt
        token = self._fernet(salt).encrypt(json.dumps(data).encode("utf-8"))
        blob = json.dumps({"salt": base64.b64encode(salt).decode("ascii"), "data": token.decode("ascii")})
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(blob)
        os.replace(tmp, self.path)


class BotocoreCache:
    """The store as botocore's assume-role cache (a role profile used as the identity), as the
    AWS CLI plugs ~/.aws/cli/cache in: entries under "botocore:<key>", datetimes as ISO text."""

    def __init__(self, store: SessionStore) -> None:
        self._store = store

    def __contains__(self, key: object) -> bool:
        return self._store.get(f"botocore:{key}") is not None

    def __getitem__(self, key: str) -> dict[str, Any]:
        value = self._store.get(f"botocore:{key}")
        if value is None:
            raise KeyError(key)
        return value

    def __setitem__(self, key: str, value: dict[str, Any]) -> None:
        self._store.put(f"botocore:{key}", json.loads(json.dumps(value, default=_iso)))


def _iso(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def usable_keyring() -> Any | None:
    """The keyring backend when one can really hold secrets (not the fail or null backend)."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:
        return None
    if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 0) <= 0:
        return None
    return backend


def open_store(state_dir: Path, environ: dict[str, str] | None = None) -> SessionStore:
    """The best store available here: keyring, else the encrypted file, else memory."""
    environ = dict(os.environ) if environ is None else environ
    backend = usable_keyring()
    if backend is not None:
        return KeyringStore(backend)
    passphrase = environ.get(PASSPHRASE_ENV, "")
    if passphrase:
        return EncryptedFileStore(state_dir / "sessions.enc", passphrase)
    return MemoryStore()


def describe(store: SessionStore) -> str:
    """One line for `config check` and the notice when sessions will not survive the command."""
    if store.kind == "keyring":
        return "OS keyring (service 'opsconsole')"
    if store.kind == "encrypted file":
        path = getattr(store, "path", "")
        return f"encrypted file {path} (key from ${PASSPHRASE_ENV} via scrypt)"
    return f"memory only: no usable OS keyring and ${PASSPHRASE_ENV} unset, so sessions end with the command"


def _loads(text: str | None) -> dict[str, Any] | None:
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _loads_list(text: str | None) -> list[str]:
    if not text:
        return []
    try:
        value = json.loads(text)
    except ValueError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []
