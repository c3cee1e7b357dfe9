"""opsconsole: a terminal operations console for one product in three AWS accounts."""

from __future__ import annotations

__version__ = "0.1.0"
