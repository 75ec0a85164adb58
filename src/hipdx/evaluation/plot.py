"""Top-k curves of hipdx and the baseline (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

from pathlib import Path

from hipdx.evaluation._metrics import calibration_bins, expected_calibration_error
from hipdx.evaluation._runner import Outcome, Report, Stage

_KS = tuple(range(1, 11))


def plot_top_k(report: Report, path: Path) -> None:
    """Write a PNG with two panels per stage: the share of cases found within the top k
    (hipdx and the baseline), and hipdx's reliability diagram (the leader's probability against
    how often the leader is right, with the expected calibration error)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, grid = plt.subplots(2, 2, figsize=(10, 8))
    axes, reliability = grid[0], grid[1]
    for axis, stage in zip(reliability, Stage, strict=True):
        outcomes = report.outcomes[stage]
        confidence = [o.confidence for o in outcomes]
        correct = [o.rank == 1 for o in outcomes]
        points = calibration_bins(confidence, correct)
        axis.plot([0, 1], [0, 1], ":", color="grey", label="perfect calibration")
        axis.scatter(
            [c for c, _, _ in points],
            [h for _, h, _ in points],
            s=[20 + 8 * n for _, _, n in points],
            label="hipdx (size: cases in the bin)",
        )
        ece = expected_calibration_error(confidence, correct)
        axis.set_title(f"{stage.value.replace('_', ' ')}: reliability, ECE {ece:.2f}")
        axis.set_xlabel("probability of the top-ranked condition")
        axis.set_xlim(0, 1)
        axis.set_ylim(0, 1.02)
        axis.grid(alpha=0.3)
    reliability[0].set_ylabel("share where it is the expected condition")
    reliability[0].legend(loc="upper left", fontsize="small")
    for axis, stage in zip(axes, Stage, strict=True):
        for label, outcomes, style in (
            ("hipdx", report.outcomes[stage], "o-"),
            ("TF-IDF baseline", report.baseline_outcomes[stage], "s--"),
            ("BM25 baseline", report.bm25_outcomes[stage], "^:"),
        ):
            axis.plot(_KS, [_share(outcomes, k) for k in _KS], style, label=label)
        axis.set_title(stage.value.replace("_", " "))
        axis.set_xlabel("k")
        axis.set_xticks(_KS)
        axis.set_ylim(0, 1.02)
        axis.grid(alpha=0.3)
    axes[0].set_ylabel("expected condition within top k")
    axes[1].sharey(axes[0])
    axes[0].legend(loc="lower right")
    figure.suptitle(f"Top-k accuracy and calibration on {report.n} vignettes")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def _share(outcomes: tuple[Outcome, ...], k: int) -> float:
    hits = sum(1 for o in outcomes if o.rank is not None and o.rank <= k)
    return hits / len(outcomes) if outcomes else 0.0
