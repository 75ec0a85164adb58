"""`hipdx eval FILE.jsonl [FILE.jsonl ...]`: score hipdx on vignettes beside TF-IDF and BM25
baselines; several files are pooled into one run (the parts of a held-out corpus)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from hipdx.cli._io import fail, stdout
from hipdx.evaluation import (
    CaseBuilder,
    Comparison,
    Evaluation,
    Report,
    Scores,
    Stage,
    load_vignette_files,
    structured_case,
    text_case,
)

_ROWS = (
    ("top-1", "top1"),
    ("top-3", "top3"),
    ("top-5", "top5"),
    ("top-10", "top10"),
    ("MRR", "mrr"),
    ("under-triage", "under_triage"),
    ("over-triage", "over_triage"),
    ("same-day care below urgent", "missed_emergencies"),
    ("Brier (expected condition)", "brier"),
    ("calibration error (top-1, ECE)", "ece"),
)


def eval_command(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="Vignettes, one JSON object a line; several files are pooled into one run.",
            metavar="FILE...",
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Write top-k curves to this PNG file.")
    ] = None,
    structured: Annotated[
        bool,
        typer.Option(
            "--structured", help="Use the vignettes' coded findings instead of parsing their text."
        ),
    ] = False,
    flat_priors: Annotated[
        bool,
        typer.Option(
            "--flat-priors",
            help="Analysis only: give every condition the same prior, to see how much of the "
            "ranking comes from the setting priors (--prior-weight 0).",
        ),
    ] = False,
    weight: Annotated[
        float | None,
        typer.Option(
            "--prior-weight",
            min=0.0,
            max=1.0,
            help="Analysis only: weigh the setting priors by this power instead of the "
            "knowledge base's prior_weight (1: priors as written, 0: flat).",
        ),
    ] = None,
) -> None:
    """Top-k accuracy, MRR, triage errors and Brier score, presentation only and with workup."""
    import hipdx
    from hipdx.engine import packaged_knowledge
    from hipdx.kb.compiled import with_prior_weight

    vignettes, issues = load_vignette_files(files)
    named = ", ".join(str(f) for f in files)
    if issues or not vignettes:
        fail(f"{named}: not a vignette file" if len(files) == 1 else "not vignette files", issues)
    if structured:
        missing = [v.id for v in vignettes if v.findings is None]
        if missing:
            fail(f"--structured needs coded findings; these have none: {', '.join(missing)}")
        builder: CaseBuilder = structured_case
    else:
        builder = text_case(lambda text: hipdx.parse(text).case)
    if flat_priors and weight not in (None, 0.0):
        fail("--flat-priors is --prior-weight 0; give one of them")
    if flat_priors:
        weight = 0.0
    kb = packaged_knowledge() if weight is None else with_prior_weight(packaged_knowledge(), weight)
    report = Evaluation(kb, builder, version=hipdx.__version__).run(vignettes)
    if plot is not None:
        from hipdx.evaluation.plot import plot_top_k

        plot_top_k(report, plot)
    if as_json:
        typer.echo(json.dumps(report.summary(), indent=2))
        return
    source = "structured findings" if structured else "parsed text"
    if len(set(files)) > 1:
        source += f"; {len(set(files))} files pooled"
    if weight == 0.0:
        source += ", flat priors (analysis)"
    elif weight is not None:
        source += f", prior weight {weight:g} (analysis)"
    render_report(stdout(), report, source=source)


def render_report(console: Console, report: Report, *, source: str) -> None:
    table = Table(title=f"{report.n} vignettes ({source})", title_justify="left")
    table.add_column("measure")
    for header in ("hipdx", "TF-IDF", "BM25", "hipdx", "TF-IDF", "BM25"):
        table.add_column(header, justify="right")
    table.add_row("", "presentation", "", "", "with workup", "", "", style="dim")
    stages = (
        report.presentation,
        report.baseline[Stage.PRESENTATION],
        report.bm25[Stage.PRESENTATION],
        report.with_workup,
        report.baseline[Stage.WITH_WORKUP],
        report.bm25[Stage.WITH_WORKUP],
    )
    for label, key in _ROWS:
        table.add_row(label, *(_cell(s, key) for s in stages))
    console.print(table)
    console.print(_comparison_table(report))
    if report.not_in_kb:
        console.print(f"[yellow]expected condition not in the KB:[/] {', '.join(report.not_in_kb)}")
    misses = Table(title="Misses (expected condition not in hipdx's top 3)", title_justify="left")
    for column in ("vignette", "stage", "expected", "rank", "hipdx top 3"):
        misses.add_column(column)
    for stage, outcomes in report.outcomes.items():
        for o in outcomes:
            if o.rank is None or o.rank > 3:
                rank = o.error or ("not ranked" if o.rank is None else str(o.rank))
                misses.add_row(
                    o.vignette, stage.value, ", ".join(o.expected), rank, ", ".join(o.top)
                )
    console.print(misses)
    recall = Table(title="Recall at 3 by condition", title_justify="left")
    for column in ("condition", "presentation", "with workup"):
        recall.add_column(column)
    for condition, by_stage in report.recall_by_condition.items():
        recall.add_row(condition, *(f"{value:.2f}" for value in by_stage.values()))
    console.print(recall)
    confusion = Table(
        title="Confusion (hipdx ranked another condition first)", title_justify="left"
    )
    for column in ("stage", "expected", "ranked first instead", "cases"):
        confusion.add_column(column)
    for row in report.confusion:
        confusion.add_row(row.stage.value, row.expected, row.instead, str(row.count))
    console.print(confusion)


def _cell(scores: Scores, key: str) -> str:
    value = getattr(scores, key)
    if value is None:
        return "n/a"
    return str(value) if isinstance(value, int) else f"{value:.2f}"


def _comparison_table(report: Report) -> Table:
    """hipdx against each baseline on the same cases: its share with a 95% interval, and per
    baseline its share, the cases only hipdx / only the baseline finds within k, and the exact
    McNemar p-value of that split."""
    table = Table(
        title="hipdx against the baselines, case by case (95% Wilson interval; cases only hipdx "
        "+ / only the baseline - finds; exact McNemar p)",
        title_justify="left",
    )
    table.add_column("stage")
    table.add_column("top-k", justify="right")
    table.add_column("hipdx (95% CI)", justify="right")
    baselines = list(dict.fromkeys(c.baseline for c in report.comparisons))
    for name in baselines:
        table.add_column(f"{name}: share  +/-  p", justify="right")
    rows: dict[tuple[Stage, int], list[Comparison]] = {}
    for c in report.comparisons:
        rows.setdefault((c.stage, c.k), []).append(c)
    for (stage, k), found in rows.items():
        low, high = found[0].interval
        cells = [
            f"{c.baseline_share:.2f}  +{c.hipdx_only}/-{c.baseline_only}  {c.p_value:.3f}"
            for c in found
        ]
        table.add_row(stage.value, str(k), f"{found[0].hipdx:.2f} ({low:.2f}-{high:.2f})", *cells)
    return table
