"""bench/analytics.py at a tiny size, so the benchmark keeps running as the code moves on."""

from __future__ import annotations

import json
from pathlib import Path

from bench import analytics


def test_the_benchmark_runs_at_a_tiny_size(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    analytics.main(
        ["--cases", "200", "--runs", "1", "--only", "sqlite", "--touch", "5", "--json", str(out)]
    )
    (found,) = json.loads(out.read_text())
    assert found["cases"] == 200
    assert found["export"]["csv_90d"]["rows"] == 200
    assert set(found["periods"]["90d"]) >= {"summary", "raw_summary_grouped", "bare_endpoint"}
