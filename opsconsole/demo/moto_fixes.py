"""Corrections to moto where it departs from AWS in ways the console depends on.

Applied only inside the demo's moto process. Each fix names the AWS behaviour it restores.
"""

from __future__ import annotations

from typing import Any


def apply_all() -> None:
    _change_sets_refresh_outputs_and_parameters()


def _change_sets_refresh_outputs_and_parameters() -> None:
    """AWS: a stack made or updated by an executed change set reports the template's Outputs
    and the change set's Parameters. moto 5.2 keeps the outputs (none, for a new stack) and the
    parameters from before, which would starve every stack that takes an upstream output."""
    from moto.cloudformation.models import ChangeSet

    original = ChangeSet.apply
    if getattr(original, "_opsconsole_fixed", False):
        return

    def apply(self: Any) -> None:
        original(self)
        stack = self.stack
        stack.template = self.template
        stack._parse_template()
        stack.parameters = self.parameters
        stack.output_map = stack._create_output_map()

    apply._opsconsole_fixed = True  # type: ignore[attr-defined]
    ChangeSet.apply = apply  # type: ignore[method-assign]
