"""The log pane and toolong (peer, its own venv), each in its own process, 10,000 lines a second
for 20 s each; key-to-paint and each process's own peak RSS."""

from __future__ import annotations

import json
import sys

from bench.common import ROOT, peer_venv, run_measured


def section() -> str:
    venv = peer_venv("toolong")
    _, out = run_measured([sys.executable, "-m", "bench.log_pane_10k"], cwd=ROOT, timeout=180)
    ours = json.loads(out)
    _, out = run_measured(
        [str(venv / "bin" / "python"), str(ROOT / "bench" / "toolong_follow.py")], timeout=180
    )
    theirs = json.loads(out)

    def line(name: str, r: dict[str, float], took: str) -> str:
        return (
            f"{name}: {took}; key-to-paint over {r['presses']:.0f} presses median {r['median_ms']:.1f} ms, "
            f"p95 {r['p95_ms']:.1f} ms, max {r['max_ms']:.0f} ms; peak RSS {r['max_rss_mb']:.0f} MB"
        )

    return "\n".join(
        [
            "## Log pane at 10,000 lines/s beside toolong",
            "",
            "- "
            + line(
                "Log pane (synthetic in-memory feed, bench/log_pane_10k.py)",
                ours,
                f"{ours['lines_shown_per_s']:.0f} lines/s shown, buffer bounded at "
                f"{ours['buffered']:.0f} lines",
            )
            + ".",
            "- "
            + line(
                "toolong (peer) following a file growing by 10,000 lines/s (bench/toolong_follow.py)",
                theirs,
                f"{theirs['lines_indexed_per_s']:.0f} lines/s indexed",
            )
            + ". Same keys (up, up, down, down every 0.1 s); toolong stops following when scrolled up, "
            "the pane keeps rendering every line.",
            "",
        ]
    )
