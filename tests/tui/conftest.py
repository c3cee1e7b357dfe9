"""The real application on the demo world, as the TUI holds it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from opsconsole.app.console import Console
from opsconsole.config import Settings


@pytest.fixture
def demo_console(demo_settings: Settings) -> Iterator[Console]:
    console = Console.build(demo_settings)
    yield console
    console.close()
