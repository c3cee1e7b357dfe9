"""The bad-input corpus (tests/fuzz/corpus.py) through the CLI: no traceback, the documented exit
code, and an error message on stderr for every refusal. In-process through click's CliRunner
isolation (fast); a few of the nastiest through a real `python -m opsconsole` with a time bound."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from opsconsole.cli.main import main
from tests.fuzz.corpus import Case, all_cases, config_with, good_config

CASES = all_cases()
SECONDS_PER_CASE = 10.0
"""No case may take long: an alias bomb or a deep document is refused, not worked through."""


def prepare(case: Case, tmp_path: Path) -> list[str]:
    root = str(tmp_path)
    for name, content in case.files.items():
        (tmp_path / name).write_bytes(content)
    config = tmp_path / "opsconsole.toml"
    spec = case.config
    if spec is None:
        config.write_text(good_config(root), encoding="utf-8")
    elif spec == "@binary":
        config.write_bytes(bytes(range(256)) * 8)
    elif spec == "@directory":
        config = tmp_path / "a-directory"
        config.mkdir()
    elif spec == "@missing":
        config = tmp_path / "nothing-here.toml"
    elif spec.startswith("@"):
        key, _, value = spec[1:].partition("=")
        config.write_text(config_with(root, key, value), encoding="utf-8")
    else:
        config.write_text(spec, encoding="utf-8")
    argv = [a.replace("{book}", str(tmp_path / "book.yaml")).replace("{dir}", root) for a in case.argv]
    return ["-c", str(config), *argv]


def test_the_corpus_is_large_and_its_ids_unique() -> None:
    assert len(CASES) >= 300
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_gets_its_documented_exit_code_and_no_traceback(case: Case, tmp_path: Path) -> None:
    argv = prepare(case, tmp_path)
    started = time.monotonic()
    with CliRunner().isolation() as (stdout, stderr, _):
        code = main(argv)  # an exception other than the OpsError tree escapes here and fails the case
        sys.stdout.flush()
        sys.stderr.flush()
        out, err = stdout.getvalue().decode(errors="replace"), stderr.getvalue().decode(errors="replace")
    took = time.monotonic() - started
    assert "Traceback" not in err + out, err
    assert code == case.expect, (
        f"exit {code}, documented {case.expect}\nstderr: {err[-2000:]}\nstdout: {out[-500:]}"
    )
    if case.expect != 0:  # `runbook validate` reports on stdout; everything else on stderr
        assert (out + err if case.argv[:2] == ["runbook", "validate"] else err).strip(), "a refusal says why"
    assert took < SECONDS_PER_CASE, f"took {took:.1f} s"


SUBPROCESS = ["runbook-alias-bomb-361", "runbook-deep-flow", "runbook-binary", "arg-audit-since-'99999999d'"]


@pytest.mark.parametrize("name", SUBPROCESS)
def test_the_worst_cases_through_the_real_entry_point(name: str, tmp_path: Path) -> None:
    [case] = [c for c in CASES if c.id == name]
    argv = prepare(case, tmp_path)
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "opsconsole", *argv],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ),
    )
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == case.expect, done.stderr
    assert time.monotonic() - started < 30
