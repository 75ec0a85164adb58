"""Named, documented metrics over ranked results (PhEval-style). A rank is 1-based, or None when
the expected condition was not ranked at all."""

from __future__ import annotations

import math
from collections.abc import Sequence

from hipdx._types import TriageLevel

_URGENT = {TriageLevel.URGENT, TriageLevel.EMERGENCY}
_NOT_URGENT_NEEDED = {TriageLevel.ROUTINE, TriageLevel.SELF_CARE}


def top_k_accuracy(ranks: Sequence[int | None], k: int) -> float:
    """Share of cases whose best-ranked expected condition is within the first ``k``."""
    return sum(1 for r in ranks if r is not None and r <= k) / len(ranks) if ranks else 0.0


def mean_reciprocal_rank(ranks: Sequence[int | None]) -> float:
    """Mean of 1/rank (0 for a case whose expected condition is not ranked)."""
    return sum(1.0 / r for r in ranks if r is not None) / len(ranks) if ranks else 0.0


def brier_score(probabilities: Sequence[float]) -> float:
    """Mean of (1 - p)^2, p the probability given to the expected condition (0 is perfect)."""
    return sum((1.0 - p) ** 2 for p in probabilities) / len(probabilities) if probabilities else 0.0


#: Equal-width confidence bins of the reliability diagram and the expected calibration error.
CALIBRATION_BINS = 10


def calibration_bins(
    confidences: Sequence[float], correct: Sequence[bool], bins: int = CALIBRATION_BINS
) -> list[tuple[float, float, int]]:
    """Per equal-width bin of confidence (the leader's probability): (mean confidence, share
    correct, count); empty bins are left out. The points of a reliability diagram."""
    grouped: list[list[tuple[float, bool]]] = [[] for _ in range(bins)]
    for confidence, hit in zip(confidences, correct, strict=True):
        grouped[min(int(confidence * bins), bins - 1)].append((confidence, hit))
    return [
        (sum(c for c, _ in group) / len(group), sum(h for _, h in group) / len(group), len(group))
        for group in grouped
        if group
    ]


def expected_calibration_error(
    confidences: Sequence[float], correct: Sequence[bool], bins: int = CALIBRATION_BINS
) -> float:
    """Σ over bins of (bin size / n) × |share correct − mean confidence|, for the top-ranked
    condition (0 is perfectly calibrated; an overconfident system scores high)."""
    n = len(confidences)
    points = calibration_bins(confidences, correct, bins)
    return sum(count / n * abs(hit - conf) for conf, hit, count in points) if n else 0.0


def under_triaged(given: TriageLevel, expected: TriageLevel) -> bool:
    """Given a less urgent level than the least urgent safe one."""
    return given.rank < expected.rank


def over_triaged(given: TriageLevel, expected: TriageLevel) -> bool:
    """Sent urgently (urgent or emergency) when routine care or self care was right."""
    return given in _URGENT and expected in _NOT_URGENT_NEEDED


def missed_emergency(given: TriageLevel, expected: TriageLevel) -> bool:
    """An urgent or emergency case given 'soon' or less."""
    return expected in _URGENT and given.rank <= TriageLevel.SOON.rank


def rate(flags: Sequence[bool]) -> float:
    return sum(flags) / len(flags) if flags else 0.0


#: The normal quantile of a two-sided 95% interval.
Z_95 = 1.959964


def wilson_interval(hits: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of a proportion (95% by default): honest at the small counts
    and extreme shares of a case-report corpus, where the normal approximation is not."""
    if n == 0:
        return (0.0, 1.0)
    share = hits / n
    denominator = 1 + z * z / n
    centre = (share + z * z / (2 * n)) / denominator
    half = z * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / denominator
    low = 0.0 if hits == 0 else max(0.0, centre - half)  # exactly 0 and 1 at the ends,
    high = 1.0 if hits == n else min(1.0, centre + half)  # not a rounding away from them
    return (low, high)


def mcnemar_exact(only_first: int, only_second: int) -> float:
    """Two-sided exact McNemar test of two systems on the same cases: the probability, if both
    were equally good, of a split of the discordant cases (one right, the other wrong) at least
    as uneven as the one seen. 1.0 when no case is discordant."""
    n = only_first + only_second
    if n == 0:
        return 1.0
    k = min(only_first, only_second)
    tail: float = sum(math.comb(n, i) for i in range(k + 1)) / 2**n
    return min(1.0, 2 * tail)
