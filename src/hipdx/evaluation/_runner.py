"""Score hipdx and the baseline on vignettes, presentation only and with workup, in one run."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from hipdx._types import TriageLevel
from hipdx.evaluation._baseline import Bm25Baseline, TfidfBaseline
from hipdx.evaluation._metrics import (
    brier_score,
    expected_calibration_error,
    mcnemar_exact,
    mean_reciprocal_rank,
    missed_emergency,
    over_triaged,
    rate,
    top_k_accuracy,
    under_triaged,
    wilson_interval,
)
from hipdx.evaluation._vignettes import Vignette
from hipdx.exceptions import InvalidCaseError
from hipdx.inference.answers import AGE_FINDING
from hipdx.inference.assess import assess_case
from hipdx.inference.case import Answer, Case
from hipdx.kb.compiled import CompiledKB

#: The cut-offs reported for top-k accuracy (and plotted).
TOP_K = (1, 3, 5, 10)
#: Per-condition recall counts a case found when it is within this rank.
RECALL_AT = 3


class Stage(StrEnum):
    PRESENTATION = "presentation"  # history and examination only
    WITH_WORKUP = "with_workup"  # plus imaging and labs


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Outcome(_Record):
    """How one vignette did at one stage."""

    vignette: str
    expected: tuple[str, ...]
    rank: int | None  # best rank of an expected condition; None when not ranked
    probability: float  # the largest probability given to an expected condition
    confidence: float = 0.0  # the probability of the top-ranked condition
    top: tuple[str, ...]  # the first three ranked conditions
    triage: TriageLevel | None
    expected_triage: TriageLevel | None
    error: str | None = None


class Scores(_Record):
    """The figures of one system at one stage. Triage figures are None for the baseline."""

    top1: float
    top3: float
    top5: float
    top10: float
    mrr: float
    under_triage: float | None
    over_triage: float | None
    missed_emergencies: int | None
    brier: float
    ece: float  # expected calibration error of the top-ranked condition (10 bins)

    @classmethod
    def of(cls, outcomes: Sequence[Outcome], *, triage: bool) -> Scores:
        ranks = [o.rank for o in outcomes]
        judged = [o for o in outcomes if o.expected_triage is not None and o.triage is not None]

        def count(test: Callable[[TriageLevel, TriageLevel], bool]) -> list[bool]:
            return [test(o.triage, o.expected_triage) for o in judged]  # type: ignore[arg-type]

        return cls(
            **{f"top{k}": top_k_accuracy(ranks, k) for k in TOP_K},
            mrr=mean_reciprocal_rank(ranks),
            under_triage=rate(count(under_triaged)) if triage else None,
            over_triage=rate(count(over_triaged)) if triage else None,
            missed_emergencies=sum(count(missed_emergency)) if triage else None,
            brier=brier_score([o.probability for o in outcomes]),
            ece=expected_calibration_error(
                [o.confidence for o in outcomes], [o.rank == 1 for o in outcomes]
            ),
        )


class Confusion(_Record):
    """Which condition took the first place of an expected one, and how often."""

    stage: Stage
    expected: str
    instead: str
    count: int


class Comparison(_Record):
    """hipdx against one baseline on the same cases at one stage and cut-off: hipdx's share with
    its 95% Wilson interval, the cases only one of the two has within the cut-off, and the exact
    McNemar p-value of that split (how likely so uneven a split is if both were equally good)."""

    stage: Stage
    k: int
    baseline: str  # "TF-IDF" or "BM25"
    hipdx: float
    interval: tuple[float, float]  # 95% Wilson interval of hipdx's share
    baseline_share: float
    hipdx_only: int  # cases hipdx has within k and the baseline does not
    baseline_only: int
    p_value: float


class Report(_Record):
    n: int
    presentation: Scores
    with_workup: Scores
    baseline: dict[Stage, Scores]  # TF-IDF
    bm25: dict[Stage, Scores]
    recall_by_condition: dict[str, dict[Stage, float]]
    confusion: tuple[Confusion, ...]  # hipdx's top-1 in place of the expected, most frequent first
    misses: tuple[Outcome, ...]  # hipdx outcomes with the expected condition not in the top 3
    comparisons: tuple[Comparison, ...]  # hipdx against each baseline, per stage and top-k
    not_in_kb: tuple[str, ...]  # vignettes none of whose expected ids the KB knows
    outcomes: dict[Stage, tuple[Outcome, ...]]
    baseline_outcomes: dict[Stage, tuple[Outcome, ...]]
    bm25_outcomes: dict[Stage, tuple[Outcome, ...]]

    def summary(self) -> dict[str, Any]:
        """The JSON form: n, presentation, with_workup, baseline (TF-IDF), bm25, and the
        detail."""
        return self.model_dump(
            mode="json", exclude={"outcomes", "baseline_outcomes", "bm25_outcomes"}
        )


#: Builds the case for a vignette at a stage (from its text, or its structured findings).
CaseBuilder = Callable[[Vignette, Stage], Case]


@dataclass(frozen=True)
class Evaluation:
    """Everything needed for one run: the knowledge base, how to build cases, the baseline."""

    kb: CompiledKB
    build_case: CaseBuilder
    version: str = "eval"

    def run(self, vignettes: Sequence[Vignette]) -> Report:
        tfidf, okapi = TfidfBaseline(self.kb), Bm25Baseline(self.kb)
        outcomes = {s: tuple(self._hipdx(v, s) for v in vignettes) for s in Stage}
        base = {s: tuple(_baseline(tfidf, v, s) for v in vignettes) for s in Stage}
        bm25 = {s: tuple(_baseline(okapi, v, s) for v in vignettes) for s in Stage}
        known = set(self.kb.condition_ids)
        return Report(
            n=len(vignettes),
            presentation=Scores.of(outcomes[Stage.PRESENTATION], triage=True),
            with_workup=Scores.of(outcomes[Stage.WITH_WORKUP], triage=True),
            baseline={s: Scores.of(base[s], triage=False) for s in Stage},
            bm25={s: Scores.of(bm25[s], triage=False) for s in Stage},
            recall_by_condition=_recall(outcomes),
            confusion=_confusion(outcomes),
            misses=tuple(
                o for s in Stage for o in outcomes[s] if o.rank is None or o.rank > RECALL_AT
            ),
            comparisons=_comparisons(outcomes, {"TF-IDF": base, "BM25": bm25}),
            not_in_kb=tuple(v.id for v in vignettes if not set(v.expected) & known),
            outcomes=outcomes,
            baseline_outcomes=base,
            bm25_outcomes=bm25,
        )

    def _hipdx(self, vignette: Vignette, stage: Stage) -> Outcome:
        try:
            case = self.build_case(vignette, stage)
            assessment = assess_case(case, self.kb, version=self.version)
        except (InvalidCaseError, ValueError) as exc:
            return _failed(vignette, str(exc).splitlines()[0])
        ranked = [(r.condition, r.probability) for r in assessment.differential]
        return _outcome(vignette, ranked, assessment.triage.level)


def structured_case(vignette: Vignette, stage: Stage) -> Case:
    """The case from the vignette's hand-coded findings."""
    findings: dict[str, Answer] = dict(vignette.findings or {})
    if stage is Stage.WITH_WORKUP:
        findings.update(vignette.workup_findings or {})
    return _with_demographics(vignette, findings)


def text_case(parse: Callable[[str], Case]) -> CaseBuilder:
    """A builder that parses the vignette's text (and workup) with ``parse``."""

    def build(vignette: Vignette, stage: Stage) -> Case:
        text = _stage_text(vignette, stage)
        findings = dict(parse(text).findings) if text.strip() else {}
        return _with_demographics(vignette, findings)

    return build


def _stage_text(vignette: Vignette, stage: Stage) -> str:
    if stage is Stage.WITH_WORKUP and vignette.workup.strip():
        return f"{vignette.text}\n{vignette.workup}"
    return vignette.text


def _with_demographics(vignette: Vignette, findings: dict[str, Answer]) -> Case:
    findings.pop(AGE_FINDING, None)  # the vignette's own age is authoritative
    return Case(age=vignette.age, sex=vignette.sex, setting=vignette.setting, findings=findings)


def _baseline(baseline: TfidfBaseline | Bm25Baseline, vignette: Vignette, stage: Stage) -> Outcome:
    return _outcome(vignette, baseline.rank(_stage_text(vignette, stage)), None)


def _outcome(
    vignette: Vignette, ranked: list[tuple[str, float]], triage: TriageLevel | None
) -> Outcome:
    positions = {c: (i, p) for i, (c, p) in enumerate(ranked, start=1)}
    hits = [positions[c] for c in vignette.expected if c in positions]
    return Outcome(
        vignette=vignette.id,
        expected=tuple(vignette.expected),
        rank=min(r for r, _ in hits) if hits else None,
        probability=max((p for _, p in hits), default=0.0),
        confidence=ranked[0][1] if ranked else 0.0,
        top=tuple(c for c, _ in ranked[:3]),
        triage=triage,
        expected_triage=vignette.expected_triage,
    )


def _failed(vignette: Vignette, message: str) -> Outcome:
    return Outcome(
        vignette=vignette.id,
        expected=tuple(vignette.expected),
        rank=None,
        probability=0.0,
        top=(),
        triage=None,
        expected_triage=vignette.expected_triage,
        error=message,
    )


def _recall(outcomes: dict[Stage, tuple[Outcome, ...]]) -> dict[str, dict[Stage, float]]:
    found: dict[str, dict[Stage, list[bool]]] = defaultdict(lambda: defaultdict(list))
    for stage, results in outcomes.items():
        for outcome in results:
            hit = outcome.rank is not None and outcome.rank <= RECALL_AT
            found[outcome.expected[0]][stage].append(hit)
    return {c: {s: rate(v) for s, v in stages.items()} for c, stages in sorted(found.items())}


def _confusion(outcomes: dict[Stage, tuple[Outcome, ...]]) -> tuple[Confusion, ...]:
    """Per stage, (expected, the condition ranked first instead) over the cases whose expected
    condition is not first, most frequent first."""
    counts: Counter[tuple[Stage, str, str]] = Counter(
        (stage, o.expected[0], o.top[0])
        for stage, results in outcomes.items()
        for o in results
        if o.top and o.rank != 1
    )
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return tuple(Confusion(stage=s, expected=e, instead=i, count=n) for (s, e, i), n in ordered)


def _comparisons(
    outcomes: dict[Stage, tuple[Outcome, ...]],
    baselines: dict[str, dict[Stage, tuple[Outcome, ...]]],
) -> tuple[Comparison, ...]:
    """hipdx against each baseline, case by case (the outcomes are in the same vignette order)."""
    rows: list[Comparison] = []
    for stage in Stage:
        for k in TOP_K:
            ours = [_within(o, k) for o in outcomes[stage]]
            for name, theirs_by_stage in baselines.items():
                theirs = [_within(o, k) for o in theirs_by_stage[stage]]
                only_ours = sum(a and not b for a, b in zip(ours, theirs, strict=True))
                only_theirs = sum(b and not a for a, b in zip(ours, theirs, strict=True))
                rows.append(
                    Comparison(
                        stage=stage,
                        k=k,
                        baseline=name,
                        hipdx=rate(ours),
                        interval=wilson_interval(sum(ours), len(ours)),
                        baseline_share=rate(theirs),
                        hipdx_only=only_ours,
                        baseline_only=only_theirs,
                        p_value=mcnemar_exact(only_ours, only_theirs),
                    )
                )
    return tuple(rows)


def _within(outcome: Outcome, k: int) -> bool:
    return outcome.rank is not None and outcome.rank <= k
