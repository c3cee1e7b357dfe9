"""Pure domain types: frozen dataclasses, enums and errors. No I/O lives here."""

from __future__ import annotations
