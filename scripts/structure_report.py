"""Print today's offenders of the structure budgets that tests/architecture/test_structure.py
enforces (issue 12): import cycles (lazy and TYPE_CHECKING imports count), modules over 400 lines
and functions over 60 lines in opsconsole/ outside demo/.

    python scripts/structure_report.py        # exits 1 while any offender is left
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.architecture.structure import (  # noqa: E402  (the checks live beside their tests)
    find_cycles,
    long_functions,
    long_modules,
    report_cycles,
    report_long_functions,
    report_long_modules,
)


def main() -> int:
    package = ROOT / "opsconsole"
    cycles = find_cycles(package)
    modules = long_modules(package, exclude=("demo",))
    functions = long_functions(package, exclude=("demo",))
    print(report_cycles(cycles, ROOT), end="\n\n")
    print(report_long_modules(modules, ROOT), end="\n\n")
    print(report_long_functions(functions, ROOT), end="\n\n")
    counts = f"{len(cycles)} import cycles, {len(modules)} long modules, {len(functions)} long functions"
    print(f"summary: {counts}")
    return 1 if cycles or modules or functions else 0


if __name__ == "__main__":
    sys.exit(main())
