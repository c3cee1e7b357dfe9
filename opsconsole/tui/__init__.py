"""The Textual TUI: the only package that imports textual."""

from __future__ import annotations
