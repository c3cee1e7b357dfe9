"""Issue 12's structure budgets: no import cycle (lazy and TYPE_CHECKING imports count), no module
over 400 lines and no function over 60 lines in opsconsole/ outside demo/.

`python scripts/structure_report.py` lists offenders. The synthetic-package tests below prove each
checker catches what it should, so the checks on the real package cannot pass vacuously.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.architecture.structure import (
    MAX_FUNCTION_LINES,
    MAX_MODULE_LINES,
    find_cycles,
    long_functions,
    long_modules,
    report_cycles,
    report_long_functions,
    report_long_modules,
)

PACKAGE = Path(__file__).resolve().parents[2] / "opsconsole"
ROOT = PACKAGE.parent
EXCLUDE = ("demo",)


def test_no_import_cycle() -> None:
    cycles = find_cycles(PACKAGE)
    if cycles:
        pytest.fail(report_cycles(cycles, ROOT), pytrace=False)


def test_no_module_over_budget() -> None:
    found = long_modules(PACKAGE, exclude=())  # the demo world too: a module is one idea
    if found:
        pytest.fail(report_long_modules(found, ROOT), pytrace=False)


def test_no_function_over_budget() -> None:
    found = long_functions(PACKAGE, exclude=EXCLUDE)
    if found:
        pytest.fail(report_long_functions(found, ROOT), pytrace=False)


# --- the checkers themselves, on tiny packages written to tmp_path --------------------------------


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root / "pkg"


def _function(name: str, lines: int, decorators: int = 0) -> str:
    """A function of exactly `lines` lines from its def line, with decorators above it."""
    body = "".join(f"    x{i} = {i}\n" for i in range(lines - 2))
    return "@staticmethod\n" * decorators + f"def {name}() -> int:\n{body}    return 0\n"


CLEAN = {
    "pkg/__init__.py": "from pkg import a\n",
    "pkg/a.py": "from . import b\nfrom .sub import c\n",
    "pkg/b.py": "import os\n\nfrom pkg.sub.c import VALUE\n",
    "pkg/sub/__init__.py": "",
    "pkg/sub/c.py": "from __future__ import annotations\n\nfrom typing import TYPE_CHECKING\n\nVALUE = 1\n",
}


def test_a_clean_package_passes_every_check(tmp_path: Path) -> None:
    package = _write(tmp_path, CLEAN)
    (package / "sub" / "long_enough.py").write_text(
        _function("at_budget", MAX_FUNCTION_LINES, decorators=3)
        + "\n" * (MAX_MODULE_LINES - MAX_FUNCTION_LINES - 3),
        encoding="utf-8",
    )
    assert len((package / "sub" / "long_enough.py").read_text().splitlines()) == MAX_MODULE_LINES
    assert find_cycles(package) == []
    assert long_modules(package) == []
    assert long_functions(package) == []


def test_a_cycle_through_a_lazy_import_is_found(tmp_path: Path) -> None:
    package = _write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "from pkg.b import thing\n",
            "pkg/b.py": "thing = 1\n\n\ndef later() -> None:\n    from . import a  # lazy\n",
        },
    )
    cycles = find_cycles(package)
    assert [cycle.modules for cycle in cycles] == [("pkg.a", "pkg.b")]
    message = report_cycles(cycles, tmp_path)
    assert message.startswith("1 import cycle(s)")
    assert "pkg.a -> pkg.b -> pkg.a" in message
    assert "pkg/a.py:1: pkg.a imports pkg.b (top-level)" in message
    assert "pkg/b.py:5: pkg.b imports pkg.a (lazy)" in message


def test_a_cycle_through_a_type_checking_import_is_found(tmp_path: Path) -> None:
    package = _write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/sub/__init__.py": "",
            "pkg/sub/a.py": "from ..c import C\n",
            "pkg/c.py": """\
                from __future__ import annotations

                import typing

                if typing.TYPE_CHECKING:
                    import pkg.sub.a
                """,
        },
    )
    cycles = find_cycles(package)
    assert [cycle.modules for cycle in cycles] == [("pkg.c", "pkg.sub.a")]
    message = report_cycles(cycles, tmp_path)
    assert "pkg/c.py:6: pkg.c imports pkg.sub.a (TYPE_CHECKING)" in message
    assert "pkg/sub/a.py:1: pkg.sub.a imports pkg.c (top-level)" in message


def test_from_package_import_module_and_package_init_resolve(tmp_path: Path) -> None:
    # `from pkg import b` names the module pkg.b; `from pkg import name` names pkg (its __init__).
    package = _write(
        tmp_path,
        {
            "pkg/__init__.py": "NAME = 1\n",
            "pkg/a.py": "from pkg import b\n",
            "pkg/b.py": "def f() -> None:\n    from pkg import a\n",
            "pkg/c.py": "from pkg import NAME\n",
        },
    )
    cycles = find_cycles(package)
    assert [cycle.modules for cycle in cycles] == [("pkg.a", "pkg.b")]


def test_every_cycle_is_reported_with_every_module(tmp_path: Path) -> None:
    package = _write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "from . import b\n",
            "pkg/b.py": "from . import c\n",
            "pkg/c.py": "from . import a\n",
            "pkg/x.py": "from . import y\n",
            "pkg/y.py": "def f() -> None:\n    from . import x\n",
        },
    )
    message = report_cycles(find_cycles(package), tmp_path)
    assert message.startswith("2 import cycle(s)")
    assert "pkg.a -> pkg.b -> pkg.c -> pkg.a" in message
    assert "pkg.x -> pkg.y -> pkg.x" in message


def test_a_61_line_function_is_found_decorators_excluded(tmp_path: Path) -> None:
    package = _write(tmp_path, CLEAN)
    source = (
        "class Holder:\n"
        + textwrap.indent(_function("too_long", MAX_FUNCTION_LINES + 1, decorators=2), "    ")
        + "\n\n"
        + _function("fits", MAX_FUNCTION_LINES, decorators=5)
    )
    (package / "sub" / "funcs.py").write_text(source, encoding="utf-8")
    found = long_functions(package)
    assert [(f.name, f.line, f.lines) for f in found] == [("Holder.too_long", 4, 61)]
    message = report_long_functions(found, tmp_path)
    assert message.startswith("1 function(s) over 60 lines")
    assert "pkg/sub/funcs.py:4: Holder.too_long, 61 lines" in message


def test_a_401_line_module_is_found_and_demo_is_left_out(tmp_path: Path) -> None:
    package = _write(tmp_path, CLEAN)
    (package / "big.py").write_text("x = 1\n" * (MAX_MODULE_LINES + 1), encoding="utf-8")
    (package / "demo").mkdir()
    (package / "demo" / "huge.py").write_text("x = 1\n" * 1000 + _function("f", 200), encoding="utf-8")
    found = long_modules(package, exclude=EXCLUDE)
    assert [(m.path.name, m.lines) for m in found] == [("big.py", 401)]
    assert "pkg/big.py:1: 401 lines" in report_long_modules(found, tmp_path)
    assert long_functions(package, exclude=EXCLUDE) == []
    assert len(long_modules(package)) == 2
    assert len(long_functions(package)) == 1
