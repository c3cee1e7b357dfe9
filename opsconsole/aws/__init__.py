"""AWS access: the role broker and the per-service readers and actions built on it."""

from __future__ import annotations
