"""How every benchmark prints a figure: median, min, max, count and the target it is held to."""

from __future__ import annotations

import statistics


def report(name: str, values: list[float], unit: str, target: float | None) -> None:
    median = statistics.median(values)
    verdict = "" if target is None else ("ok" if median <= target else "over")
    target_text = "-" if target is None else f"<= {target:g} {unit}"
    print(
        f"{name:<28} median {median:8.3f} {unit}  min {min(values):8.3f}  max {max(values):8.3f}  "
        f"n={len(values):<4} target {target_text} {verdict}"
    )
