"""Timing shared by the benchmarks: the median of repeated calls."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_time(function: Callable[[], object], repeat: int) -> float:
    """Median wall time in seconds of ``repeat`` calls of ``function``."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)
