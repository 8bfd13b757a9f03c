"""Where benchmark figures go: one JSON file per run under benchmarks/results/."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def write_results(name: str, args, rows: list[dict]) -> Path:
    """Write the rows of a run with its arguments and the machine's core count; print the path."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"{name}-{stamp}.json"
    out.write_text(json.dumps({"when": stamp, "cores": os.cpu_count(), "args": vars(args), "results": rows},
                              indent=2))
    print(f"\nwritten {out.relative_to(ROOT)}")
    return out
