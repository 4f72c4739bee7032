"""The living documentation's render time: today's specification, and a synthetic one ten times its size.

    python benchmarks/bench_site.py [--renders 5] [--times 10]

Today's: ``support.report.site.render`` in-process on the results in results/ (run the specification first), step
catalogue included. Synthetic: every line's results copied ``--times`` times, each copy a feature file of its own
(``<area>/<name>_copy<k>.feature``, so ten times the pages, rows, outlines, steps and SQL), rendered the same way.
The copies' feature files do not exist, so their outlines are rebuilt from the results (no feature file parsed):
the rest of the work grows with the copies. Targets: under 2 s and under 10 s; the ratio says how rendering scales.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import tempfile
import time
from pathlib import Path

from figures import report

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def synthetic(results: Path, out: Path, times: int) -> None:
    """``times`` copies of every scenario of every line, each copy under a feature file of its own."""
    from support.evidence import Results

    for path in results.glob("sqlalchemy-*.json"):
        document = Results.read(path)
        copies = []
        for copy in range(times):
            for record in document.scenarios:
                feature = record.feature and dataclasses.replace(
                    record.feature, file=record.feature.file.replace(".feature", f"_copy{copy}.feature")
                )
                nodeid = record.nodeid.replace(".py::", f"_copy{copy}.py::")
                copies.append(dataclasses.replace(record, nodeid=nodeid, feature=feature))
        Results(document.run, copies).write(out / path.name)


def rendered(results: Path, renders: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of each render; the first render of the process loads the step definitions."""
    from support.report.site import render

    walls, cpus = [], []
    with tempfile.TemporaryDirectory() as out:
        for _ in range(renders):
            wall, cpu = time.perf_counter(), time.process_time()
            render(results, Path(out))
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
    return walls, cpus


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--renders", type=int, default=5)
    parser.add_argument("--times", type=int, default=10)
    options = parser.parse_args()
    results = ROOT / "results"
    if not list(results.glob("sqlalchemy-*.json")):
        sys.exit("no results in results/: run the specification first (python3 dev.py spec)")
    today, today_cpu = rendered(results, options.renders)
    with tempfile.TemporaryDirectory() as bigger:
        synthetic(results, Path(bigger), options.times)
        scaled, scaled_cpu = rendered(Path(bigger), options.renders)
    report("render, today's spec", today, "s", 2.0)
    report("  its CPU time", today_cpu, "s", 2.0)
    report("render, first of the process", today[:1], "s", 2.0)
    report(f"render, {options.times}x the spec", scaled, "s", 10.0)
    report("  its CPU time", scaled_cpu, "s", 10.0)
    print(
        f"ratio {options.times}x / 1x: {statistics.median(scaled) / statistics.median(today):.2f} (wall), "
        f"{statistics.median(scaled_cpu) / statistics.median(today_cpu):.2f} (CPU)"
    )


if __name__ == "__main__":
    main()
