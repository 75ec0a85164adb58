"""Engine speed, measured against a plain-Python baseline in the same run.

The baseline computes the same posterior with loops over conditions and evidence rows (no NumPy);
both results are checked to agree before any time is reported.

    .venv/bin/python bench/bench_engine.py [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np
from _timing import median_time

import hipdx
from hipdx.inference.answers import Answers, encode
from hipdx.inference.case import Case
from hipdx.inference.posterior import applicable, compute_posterior
from hipdx.kb.compiled import CompiledKB, likelihood_ratios

ROOT = Path(__file__).parent.parent


def baseline_posterior(kb: CompiledKB, answers: Answers, case: Case) -> list[float]:
    """The same update written as loops over conditions and rows."""
    possible = applicable(kb, case.age, case.sex)
    grouped = {m: g for g in kb.groups for m in g.members}
    scores = []
    for index, condition in enumerate(kb.knowledge.conditions):
        if not possible[index]:
            scores.append(-math.inf)
            continue
        score = math.log(condition.priors[case.setting].value)
        for row in condition.evidence:
            if row.finding in grouped:
                continue
            lr_pos, lr_neg = likelihood_ratios(row)
            if row.finding in answers.present:
                score += math.log(lr_pos)
            elif row.finding in answers.absent:
                score += math.log(lr_neg)
        for group in kb.groups:
            allowed = [answers.known(m) is not False for m in group.members]
            if all(allowed):
                continue
            p = sum(v for v, ok in zip(group.p_given_condition[index], allowed, strict=True) if ok)
            q = sum(v for v, ok in zip(group.p_given_other[index], allowed, strict=True) if ok)
            score += math.log(p) - math.log(q)
        scores.append(score)
    assert kb.knowledge.triage is not None
    scores.append(math.log(kb.knowledge.triage.other_cause.priors[case.setting].value))
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
    baseline = baseline_posterior(kb, answers, case)
    assert np.allclose(engine, baseline), "engine and baseline disagree"

    def vectorised() -> None:
        compute_posterior(kb, answers, case.setting, case.age, case.sex)

    def loops() -> None:
        baseline_posterior(kb, answers, case)

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
