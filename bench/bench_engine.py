"""Engine speed, measured against a plain-Python baseline in the same run.

The baseline computes the same posterior with loops over conditions and evidence rows (no NumPy),
unlinked findings included;
both results are checked to agree before any time is reported.

    .venv/bin/python bench/bench_engine.py [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
from pathlib import Path

import numpy as np
from _timing import median_time

import hipdx
from hipdx.inference.answers import Answers, encode
from hipdx.inference.case import Case
from hipdx.inference.posterior import applicable, compute_posterior
from hipdx.kb.compiled import CompiledKB, likelihood_ratios
from hipdx.kb.rules import rule_findings

ROOT = Path(__file__).parent.parent


def unlinked_log_lr(kb: CompiledKB, finding: str, present: bool) -> float:
    """The log LR of an answered finding for a class with no row for it (docs/algorithm.md)."""
    knowledge = kb.knowledge
    policy = knowledge.triage.unlinked_findings if knowledge.triage else None
    if policy is None or kb.finding_column(finding) is None:
        return 0.0
    rates = [
        1 - row.specificity
        for condition in knowledge.conditions
        for row in condition.evidence
        if row.finding == finding and row.sensitivity is not None and row.specificity is not None
    ]
    if not rates or kb.finding(finding).kind not in policy.kinds:
        return 0.0
    rate = round(statistics.median(rates), 9)
    if rate > policy.max_comparator_rate:
        return 0.0
    ratio = policy.rate_ratio
    return math.log(ratio) if present else math.log((1 - ratio * rate) / (1 - rate))


def relatives(kb: CompiledKB) -> dict[str, set[str]]:
    """A derived finding, its sources and their other sources: a row for one links the rest."""
    family: dict[str, set[str]] = {}
    for finding in kb.knowledge.findings:
        if finding.derived is not None:
            members = {finding.id, *rule_findings(finding.derived)}
            for member in members:
                family.setdefault(member, set()).update(members - {member})
    return family


def unlinked_table(kb: CompiledKB) -> dict[tuple[str, bool], float]:
    """Every finding's unlinked log LR, present and absent, worked out once (as compiling does)."""
    return {(f, p): unlinked_log_lr(kb, f, p) for f in kb.finding_ids for p in (True, False)}


def baseline_posterior(
    kb: CompiledKB, answers: Answers, case: Case, table: dict[tuple[str, bool], float]
) -> list[float]:
    """The same update written as loops over conditions and rows."""
    possible = applicable(kb, case.age, case.sex)
    grouped = {m: g for g in kb.groups for m in g.members}
    answered = sorted(answers.present | answers.absent)
    unlinked = {f: table.get((f, f in answers.present), 0.0) for f in answered}
    family = relatives(kb)
    rows_of = [{row.finding for row in c.evidence} for c in kb.knowledge.conditions]
    scores = []
    for index, condition in enumerate(kb.knowledge.conditions):
        if not possible[index]:
            scores.append(-math.inf)
            continue
        score = math.log(condition.priors[case.setting].value)
        linked = set()
        for row in condition.evidence:
            if row.finding in grouped:
                continue
            linked.add(row.finding)
            lr_pos, lr_neg = likelihood_ratios(row)
            if row.finding in answers.present:
                score += math.log(lr_pos)
            elif row.finding in answers.absent:
                score += math.log(lr_neg)
        score += sum(
            v
            for f, v in unlinked.items()
            if f not in linked and not family.get(f, set()) & rows_of[index]
        )
        for group in kb.groups:
            allowed = [answers.known(m) is not False for m in group.members]
            if all(allowed):
                continue
            p = sum(v for v, ok in zip(group.p_given_condition[index], allowed, strict=True) if ok)
            q = sum(v for v, ok in zip(group.p_given_other[index], allowed, strict=True) if ok)
            score += math.log(p) - math.log(q)
        scores.append(score)
    assert kb.knowledge.triage is not None
    other = math.log(kb.knowledge.triage.other_cause.priors[case.setting].value)
    scores.append(other + sum(unlinked.values()))
    top = max(scores)
    weights = [math.exp(s - top) for s in scores]
    return [w / sum(weights) for w in weights]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=300)
    args = parser.parse_args()
    kb = hipdx.load_knowledge()
    example = ROOT / "examples" / "seed_case_with_mri.json"
    case = Case.model_validate(json.loads(example.read_text()))
    answers, _ = encode(case, kb)
    engine = compute_posterior(kb, answers, case.setting, case.age, case.sex).probabilities
    table = unlinked_table(kb)
    baseline = baseline_posterior(kb, answers, case, table)
    assert np.allclose(engine, baseline), "engine and baseline disagree"

    def vectorised() -> None:
        compute_posterior(kb, answers, case.setting, case.age, case.sex)

    def loops() -> None:
        baseline_posterior(kb, answers, case, table)

    def full() -> None:
        hipdx.assess(case, knowledge=kb)

    t_vec, t_loop, t_full = (median_time(f, args.repeat) for f in (vectorised, loops, full))
    size = f"{len(kb.condition_ids)} conditions, {len(kb.knowledge.findings)} findings"
    print(f"knowledge base: {size}")
    print(f"{'measure':<40}{'median':>12}")
    print(f"{'posterior, vectorised (engine)':<40}{t_vec * 1e6:>10.1f} us")
    print(f"{'posterior, plain-Python loops (baseline)':<40}{t_loop * 1e6:>10.1f} us")
    print(f"{'full assessment (rank, explain, triage)':<40}{t_full * 1e6:>10.1f} us")
    print(f"ratio baseline / engine: {t_loop / t_vec:.2f}x")


if __name__ == "__main__":
    main()
