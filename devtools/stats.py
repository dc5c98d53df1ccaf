"""Figures the benchmarks and the evaluation reports print."""

from __future__ import annotations

from typing import Iterable


def percentile(values: Iterable[float], share: float) -> float:
    """The value at `share` (0.95 for p95) of the sorted values, nearest rank."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("percentile of no values")
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]
