"""The layering of DESIGN section 2, enforced: import-linter contracts, lazy heavy imports,
and every exclusive TUI worker in a named group."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "opsconsole"
ROOT = PACKAGE.parent


def test_import_linter_contracts_are_kept() -> None:
    lint_imports = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    result = subprocess.run([lint_imports], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        ("opsconsole.cli.main", ["textual", "boto3", "botocore", "moto"]),
        ("opsconsole.domain.errors", ["boto3", "textual", "rich"]),
    ],
)
def test_modules_import_without_heavy_or_forbidden_packages(module: str, forbidden: list[str]) -> None:
    code = f"import sys, json, {module}; print(json.dumps(sorted(m for m in sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(result.stdout))
    assert not loaded & set(forbidden), f"{module} pulls in {loaded & set(forbidden)}"


def _worker_calls(tree: ast.AST) -> list[ast.Call]:
    calls = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for deco in node.decorator_list:
                if isinstance(deco, ast.Call) and getattr(deco.func, "id", None) == "work":
                    calls.append(deco)
    return calls


def test_every_exclusive_worker_names_its_group() -> None:
    found = 0
    for path in (PACKAGE / "tui").rglob("*.py"):
        for call in _worker_calls(ast.parse(path.read_text(encoding="utf-8"))):
            keywords = {k.arg: k.value for k in call.keywords}
            exclusive = keywords.get("exclusive")
            if isinstance(exclusive, ast.Constant) and exclusive.value is True:
                found += 1
                assert "group" in keywords, f"{path.name}:{call.lineno}: exclusive worker without group="
                assert keywords.get("exit_on_error") is not None, (
                    f"{path.name}:{call.lineno}: set exit_on_error"
                )
    assert found >= 2
