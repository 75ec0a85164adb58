"""The adaptive interview: speed, and simulated interviews against two baselines in the same run.

Speed: the next question on a synthetic 65-condition, 250-finding knowledge base, vectorised
(`rank_questions`) against a loop that recomputes the full posterior for every answer of every
candidate question; both must pick the same question with the same gains.

Simulation (`hipdx.evaluation`: simulated and vignette patients, the three strategies, the
metrics and the table): for every condition, simulated patients whose answers are drawn from the
knowledge base's own answer model (`QuestionBank.answer_probability`: sensitivity for the
condition's rows, the finding's background rate for findings without a row; see
docs/interview.md). Each patient gives age, sex and where it hurts, then answers the questions of
three strategies: adaptive (the interview session: expected information gain, safety hold, stop
rule), fixed (the same list for everyone: questions sorted by their score at the prior) and
random. The project's self-test vignettes (tests/vignettes/*.jsonl) are replayed the same way,
answering "don't know" to what a vignette does not say.

    .venv/bin/python bench/bench_interview.py [--json] [--quick] [--per-condition N] [--kb DIR]
        [--no-speed] [--no-vignettes]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from _timing import median_time

import hipdx
from hipdx import Asker, Case, Setting, Sex
from hipdx.evaluation import (
    evaluate_interviews,
    interview_table,
    simulated_patients,
    vignette_patients,
)
from hipdx.inference.answers import Answers, encode
from hipdx.inference.posterior import compute_posterior
from hipdx.interview.bank import QuestionBank, build_question_bank
from hipdx.interview.gains import candidates, expected_gains, rank_questions
from hipdx.kb.compiled import CompiledKB

ROOT = Path(__file__).parent.parent
VIGNETTES = ROOT / "tests" / "vignettes"


# ----------------------------------------------------------------------------------------------
# Speed


def synthetic_knowledge(directory: Path, conditions: int = 65, findings: int = 250) -> CompiledKB:
    """A random but valid knowledge base of the given size (4 exclusive groups among findings)."""
    rng = np.random.default_rng(7)
    group_sizes = (2, 3, 4, 6)
    independent = findings - sum(group_sizes)
    finding_ids = [f"f{i:03d}" for i in range(independent)]
    groups = []
    for g, size in enumerate(group_sizes):
        groups.append(
            {
                "id": f"g{g}",
                "clinician": f"Group {g}",
                "lay": f"Group {g}?",
                "members": [f"g{g}_{m}" for m in range(size)],
            }
        )
    all_findings = finding_ids + [m for g in groups for m in g["members"]]
    estimate = {"grade": "expert-estimate", "note": "synthetic benchmark number"}
    knowledge: dict[str, Any] = {
        "findings": [
            {
                "id": f,
                "kind": "symptom",
                "clinician": f"Finding {f}",
                "lay": f"Finding {f}?",
                "asker": "patient" if i % 3 else "clinician",
            }
            for i, f in enumerate(all_findings)
        ],
        "groups": groups,
        "conditions": [],
    }
    for c in range(conditions):
        rows = []
        for f in rng.choice(finding_ids, size=12, replace=False):
            sn, sp = rng.uniform(0.2, 0.9), rng.uniform(0.5, 0.95)
            rows.append(
                {
                    "finding": str(f),
                    "sensitivity": round(float(sn), 3),
                    "specificity": round(float(sp), 3),
                    **estimate,
                }
            )
        for g in groups[: 1 + c % len(groups)]:
            p = rng.dirichlet(np.ones(len(g["members"]))) * 0.98 + 0.002
            q = rng.dirichlet(np.ones(len(g["members"]))) * 0.98 + 0.002
            for m, pm, qm in zip(g["members"], p, q, strict=True):
                rows.append(
                    {
                        "finding": m,
                        "sensitivity": round(float(pm), 4),
                        "specificity": round(float(1 - qm), 4),
                        **estimate,
                    }
                )
        prior = {"value": round(float(rng.uniform(0.002, 0.02)), 4), **estimate}
        knowledge["conditions"].append(
            {
                "id": f"c{c:02d}",
                "name": f"Condition {c}",
                "icd10cm": "M16.9",
                "category": "synthetic",
                "urgency": ["routine", "soon", "urgent", "emergency"][c % 4],
                "must_not_miss": c % 5 == 0,
                "priors": {s.value: prior for s in Setting},
                "summary": "A synthetic condition for the benchmark.",
                "plain_summary": "A synthetic condition for the benchmark.",
                "management": {"first_line": ["rest"], "refer_when": ["never"], "massage": "fine"},
                "evidence": rows,
            }
        )
    (directory / "synthetic.yaml").write_text(yaml.safe_dump(knowledge))
    policies = ROOT / "src" / "hipdx" / "knowledge" / "policy"
    (directory / "triage.yaml").write_text((policies / "triage.yaml").read_text())
    # the opening choice, the region labels and the cautions name the packaged KB's findings and
    # references, which the synthetic one does not have; the numbers that steer questions stay
    interview = yaml.safe_load((policies / "interview.yaml").read_text())
    for packaged_only in ("opening", "region_labels", "cautions"):
        interview["interview"].pop(packaged_only, None)
    (directory / "interview.yaml").write_text(yaml.safe_dump(interview))
    return hipdx.load_knowledge(directory)


def loop_gains(kb: CompiledKB, bank: QuestionBank, answers: Answers, case: Case) -> np.ndarray:
    """The baseline: for every open question and answer, recompute the whole posterior."""
    now = compute_posterior(kb, answers, case.setting, case.age, case.sex).probabilities
    weight = bank.policy.must_not_miss_weight.value
    open_ = candidates(bank, answers, Asker.CLINICIAN_WITH_IMAGING)
    scores = np.full(len(bank.questions), -np.inf)
    for index, question in enumerate(bank.questions):
        if not open_[index]:
            continue
        expected_dx = expected_mnm = expected_each = 0.0
        for a, answer in enumerate(question.answers):
            p_answer = float(now @ bank.answer_probability[index, :, a])
            if question.kind == "group":
                hypothetical = _with(answers, {answer}, set(question.answers) - {answer})
            else:
                value = answer == "present"
                hypothetical = _with(
                    answers, {question.id} if value else set(), set() if value else {question.id}
                )
            after = compute_posterior(kb, hypothetical, case.setting, case.age, case.sex)
            expected_dx += p_answer * _entropy(after.probabilities)
            danger = float(after.probabilities[:-1][kb.must_not_miss].sum())
            expected_mnm += p_answer * _entropy(np.array([danger, 1 - danger]))
            expected_each += p_answer * _weighted_entropies(bank, after.probabilities)
        danger_now = float(now[:-1][kb.must_not_miss].sum())
        scores[index] = (
            (_entropy(now) - expected_dx)
            + weight * (_entropy(np.array([danger_now, 1 - danger_now])) - expected_mnm)
            + (_weighted_entropies(bank, now) - expected_each)
        )
    return scores


def _weighted_entropies(bank: QuestionBank, probabilities: np.ndarray) -> float:
    """Σ over dangerous conditions of their weight times the entropy of "c is present"."""
    return sum(
        float(w) * _entropy(np.array([p, 1 - p]))
        for p, w in zip(probabilities, bank.danger_weight, strict=True)
        if w > 0
    )


def _with(answers: Answers, present: set[str], absent: set[str]) -> Answers:
    return Answers(
        answers.present | present, answers.absent | absent, answers.values, answers.given
    )


def _entropy(p: np.ndarray) -> float:
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum())


def speed(repeat: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as directory:
        kb = synthetic_knowledge(Path(directory))
    bank = build_question_bank(kb)
    findings = {f"f{i:03d}": bool(i % 2) for i in range(0, 40, 3)}
    case = Case(age=40, sex=Sex.FEMALE, findings=findings)
    answers, _ = encode(case, kb)
    probabilities = compute_posterior(kb, answers, case.setting, case.age, case.sex).probabilities
    fast = expected_gains(bank, probabilities).score
    slow = loop_gains(kb, bank, answers, case)
    open_ = np.isfinite(slow)
    assert np.allclose(fast[open_], slow[open_]), "vectorised and loop gains disagree"
    best = rank_questions(bank, answers, probabilities, asker=Asker.CLINICIAN_WITH_IMAGING, k=1)
    assert best[0].question == bank.questions[int(np.argmax(slow))].id
    t_rank = median_time(
        lambda: rank_questions(
            bank, answers, probabilities, asker=Asker.CLINICIAN_WITH_IMAGING, k=1
        ),
        repeat,
    )
    t_api = median_time(
        lambda: hipdx.next_questions(case, asker=Asker.CLINICIAN_WITH_IMAGING, k=1, knowledge=kb),
        repeat,
    )
    t_loop = median_time(lambda: loop_gains(kb, bank, answers, case), max(3, repeat // 20))
    packaged = hipdx.load_knowledge()
    sciatica = Case(
        age=44, sex=Sex.MALE, findings={"pain_low_back": True, "bilateral_sciatica": True}
    )
    t_packaged = median_time(
        lambda: hipdx.next_questions(sciatica, k=3, knowledge=packaged), repeat
    )
    return {
        "knowledge_base": f"synthetic: {len(kb.condition_ids)} conditions, "
        f"{len(kb.knowledge.findings)} findings ({len(bank.questions)} questions)",
        "next_question_ms": t_rank * 1e3,
        "next_questions_api_ms": t_api * 1e3,
        "loop_baseline_ms": t_loop * 1e3,
        "next_questions_packaged_ms": t_packaged * 1e3,
        "ratio": t_loop / t_rank,
    }


def main() -> None:
    args = _arguments()
    started = time.perf_counter()
    kb = hipdx.load_knowledge(args.kb)
    bank = build_question_bank(kb)
    rng = np.random.default_rng(args.seed)
    results: dict[str, Any] = {
        "knowledge_base": f"{kb.version}: {len(kb.condition_ids)} conditions, "
        f"{len(kb.knowledge.findings)} findings",
        "asker": args.asker.value,
        "seed": args.seed,
    }
    if not args.no_speed:
        results["speed"] = speed(args.repeat)
    patients = list(simulated_patients(kb, bank, args.per_condition, rng))
    results["simulated"] = evaluate_interviews(
        kb, bank, patients, asker=args.asker, budget=args.budget, seed=args.seed
    )
    if not args.no_vignettes:
        vignettes, issues = vignette_patients(kb, sorted(VIGNETTES.glob("*.jsonl")))
        for issue in issues:
            print(f"vignettes: {issue}", file=sys.stderr)
        results["vignettes"] = evaluate_interviews(
            kb,
            bank,
            vignettes,
            asker=Asker.CLINICIAN_WITH_IMAGING,
            budget=args.budget,
            seed=args.seed,
        )
    results["seconds"] = time.perf_counter() - started
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        _print(results)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--per-condition", type=int, default=20)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="for iteration: 5 patients per condition, no speed test, no vignettes",
    )
    parser.add_argument("--budget", type=int, default=20)
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--kb", type=Path, default=None, help="knowledge base directory")
    parser.add_argument("--asker", type=Asker, default=Asker.CLINICIAN)
    parser.add_argument("--no-speed", action="store_true")
    parser.add_argument("--no-vignettes", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.per_condition, args.no_speed, args.no_vignettes = 5, True, True
    return args


def _print(results: dict[str, Any]) -> None:
    kb, asker, seed = results["knowledge_base"], results["asker"], results["seed"]
    print(f"knowledge base {kb}; asker {asker}; seed {seed}")
    if "speed" in results:
        s = results["speed"]
        print(f"\nnext question on the {s['knowledge_base']}:")
        print(f"  vectorised rank_questions     {s['next_question_ms']:8.2f} ms")
        print(f"  hipdx.next_questions (all in) {s['next_questions_api_ms']:8.2f} ms")
        print(f"  loop baseline (posterior per answer) {s['loop_baseline_ms']:8.2f} ms")
        print(
            f"  hipdx.next_questions on the packaged KB {s['next_questions_packaged_ms']:8.2f} ms"
        )
        print(f"  ratio loop / vectorised: {s['ratio']:.0f}x")
    print()
    print(interview_table("Simulated patients (answers drawn from the KB)", results["simulated"]))
    if "vignettes" in results:
        print()
        print(
            interview_table(
                "Self-test vignettes replayed (unknown = don't know; asker clinician_with_imaging)",
                results["vignettes"],
            )
        )
    print(f"\n{results['seconds']:.1f} s")


if __name__ == "__main__":
    main()
