"""`./dev bench` writes RESULTS.md after every step: a run cut short still leaves its rows, marked
partial; the last write says how long the whole run took."""

from __future__ import annotations

from pathlib import Path

from bench.common import Sample
from bench.run import Bench, Report


def test_each_step_rewrites_the_file_partial_until_the_end(tmp_path: Path) -> None:
    path = tmp_path / "RESULTS.md"
    bench = Bench(quick=False)
    report = Report(bench, quick=False, path=path)

    def first() -> None:
        bench.table.add("first row", [Sample(0.1), Sample(0.2)])

    bench.step("first step", first)
    report.write()
    cut = path.read_text(encoding="utf-8")
    assert "| first row |" in cut and "**partial**" in cut and "first step" in cut

    bench.step("second step", lambda: bench.table.add("second row", [Sample(0.3)]))
    report.write(final=True)
    done = path.read_text(encoding="utf-8")
    assert "| first row |" in done and "| second row |" in done
    assert "**partial**" not in done and "Time per step: first step" in done


def test_a_failing_step_is_a_visible_row_and_the_file_is_still_written(tmp_path: Path) -> None:
    path = tmp_path / "RESULTS.md"
    bench = Bench(quick=False)
    report = Report(bench, quick=False, path=path)

    def broken() -> None:
        raise RuntimeError("moto did not start")

    bench.step("broken step", broken)
    report.write()
    assert "failed: RuntimeError: moto did not start" in path.read_text(encoding="utf-8")


def test_quick_runs_write_nothing(tmp_path: Path) -> None:
    path = tmp_path / "RESULTS.md"
    Report(Bench(quick=True), quick=True, path=path).write(final=True)
    assert not path.exists()
