"""Top-k curves of hipdx and the baseline (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

from pathlib import Path

from hipdx.evaluation._runner import Outcome, Report, Stage

_KS = tuple(range(1, 11))


def plot_top_k(report: Report, path: Path) -> None:
    """Write a PNG with one panel per stage: share of cases found within the top k."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    for axis, stage in zip(axes, Stage, strict=True):
        for label, outcomes, style in (
            ("hipdx", report.outcomes[stage], "o-"),
            ("TF-IDF baseline", report.baseline_outcomes[stage], "s--"),
        ):
            axis.plot(_KS, [_share(outcomes, k) for k in _KS], style, label=label)
        axis.set_title(stage.value.replace("_", " "))
        axis.set_xlabel("k")
        axis.set_xticks(_KS)
        axis.set_ylim(0, 1.02)
        axis.grid(alpha=0.3)
    axes[0].set_ylabel("expected condition within top k")
    axes[0].legend(loc="lower right")
    figure.suptitle(f"Top-k accuracy on {report.n} vignettes")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def _share(outcomes: tuple[Outcome, ...], k: int) -> float:
    hits = sum(1 for o in outcomes if o.rank is not None and o.rank <= k)
    return hits / len(outcomes) if outcomes else 0.0
