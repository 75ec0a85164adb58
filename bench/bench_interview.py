"""The adaptive interview: speed, and simulated interviews against two baselines in the same run.

Speed: the next question on a synthetic 65-condition, 250-finding knowledge base, vectorised
(`rank_questions`) against a loop that recomputes the full posterior for every answer of every
candidate question; both must pick the same question with the same gains.

Simulation: for every condition, simulated patients whose answers are drawn from the knowledge
base's own answer model (`QuestionBank.answer_probability`: sensitivity for the condition's rows,
the finding's background rate for findings without a row; see docs/interview.md). Each patient
gives age, sex and where it hurts, then answers the questions of three strategies: adaptive
(expected information gain), fixed (the same list for everyone: questions sorted by their score
at the prior) and random. The project's self-test vignettes (tests/vignettes/*.jsonl) are replayed
the same way, answering "don't know" to what a vignette does not say.

    .venv/bin/python bench/bench_interview.py [--json] [--quick] [--per-condition N] [--kb DIR]
        [--no-speed] [--no-vignettes]
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from _timing import median_time

import hipdx
from hipdx import Asker, Case, Setting, Sex, TriageLevel
from hipdx.inference.answers import AGE_FINDING, SEX_FINDINGS, Answers, encode
from hipdx.inference.posterior import applicable, compute_posterior
from hipdx.inference.snapshot import Patient as StepPatient
from hipdx.inference.triage import decide, fired_red_flags
from hipdx.interview.bank import QuestionBank, build_question_bank, implied_background
from hipdx.interview.gains import candidates, expected_gains, rank_questions
from hipdx.interview.step import interview_step
from hipdx.kb.compiled import CompiledKB
from hipdx.kb.rules import rule_findings
from hipdx.kb.schema import FindingKind

ROOT = Path(__file__).parent.parent
BUDGETS = (5, 10, 15, 20)
STRATEGIES = ("adaptive", "fixed", "random")

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
    for policy in ("triage.yaml", "interview.yaml"):
        source = ROOT / "src" / "hipdx" / "knowledge" / policy
        (directory / policy).write_text(source.read_text())
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


# ----------------------------------------------------------------------------------------------
# Simulated patients


@dataclass
class Patient:
    truth: str | None  # the condition simulated (None for a vignette with several expected)
    expected: tuple[str, ...]
    age: float | None
    sex: Sex | None
    setting: Setting
    intake: dict[str, bool | float]
    answers: dict[str, bool]  # every finding the patient can report (question answers)
    asked_before: set[str] = field(default_factory=set)


def rare_rate(kb: CompiledKB) -> float:
    """How often a red-flag finding that no evidence row describes is present by chance: the
    lower quartile of the row-implied rates in others (1 - specificity) of the red-flag findings
    that rows do describe (rare symptoms such as saddle numbness have rates of 1-3%)."""
    flagged = {f for flag in kb.knowledge.red_flags for f in rule_findings(flag.when)}
    implied = implied_background(kb.log_lr_present, kb.log_lr_absent, -1.0)
    rates = [r for f, r in zip(kb.finding_ids, implied, strict=True) if f in flagged and r >= 0]
    return float(np.quantile(rates, 0.25)) if rates else 0.01


def simulation_model(kb: CompiledKB, bank: QuestionBank) -> np.ndarray:
    """P(answer | true condition) for a simulated patient, (questions, conditions, answers).

    The answer model of the question bank (docs/interview.md): a finding with a row for the true
    condition from the row (its sensitivity), any other finding from its background rate in
    others (the row-implied 1 - specificity), one draw per exclusive group so a patient has one
    age band, one sex, one onset. The one change: a finding that a red-flag rule mentions but no
    evidence row describes would get the default background (15%), far too often for symptoms
    such as a new visual disturbance or progressive weakness; it gets `rare_rate` instead.
    """
    model = bank.answer_probability[:, :-1, :].copy()
    flagged = {f for flag in kb.knowledge.red_flags for f in rule_findings(flag.when)}
    implied = implied_background(kb.log_lr_present, kb.log_lr_absent, -1.0)
    rate = rare_rate(kb)
    for f, background in zip(kb.finding_ids, implied, strict=True):
        if f in flagged and background < 0:  # no row anywhere in the knowledge base
            q = bank.index(f)
            model[q, :, 0], model[q, :, 1] = rate, 1 - rate
    return model


def simulated_patients(
    kb: CompiledKB, bank: QuestionBank, per_condition: int, rng: np.random.Generator
) -> Iterator[Patient]:
    model = simulation_model(kb, bank)
    for index in range(len(kb.condition_ids)):
        for _ in range(per_condition):
            patient = _sample_patient(kb, bank, model, index, rng)
            if patient is not None:
                yield patient


def _sample_patient(
    kb: CompiledKB, bank: QuestionBank, model: np.ndarray, index: int, rng: np.random.Generator
) -> Patient | None:
    for _ in range(100):  # rejection: the sampled age and sex must allow the condition
        answers: dict[str, bool] = {}
        for q, question in enumerate(bank.questions):
            distribution = model[q, index, : len(question.answers)]
            choice = int(rng.choice(len(question.answers), p=distribution / distribution.sum()))
            if question.kind == "group":
                answers.update({m: m == question.answers[choice] for m in question.answers})
            else:
                answers[question.id] = choice == 0
        age, sex = _demographics(kb, answers, rng)
        if applicable(kb, age, sex)[index]:
            for finding, only in _sex_specific(kb).items():
                if sex is not None and sex is not only:
                    answers[finding] = False  # no "possible pregnancy" in a man
            break
    else:
        return None
    regions = {f.id for f in kb.knowledge.findings if f.kind is FindingKind.REGION}
    intake = {f: v for f, v in answers.items() if f in regions}
    for finding in (*SEX_FINDINGS.values(), *_age_bands(kb)):
        answers.pop(finding, None)
    condition = kb.condition_ids[index]
    return Patient(
        condition,
        (condition,),
        age,
        sex,
        Setting.PRIMARY_CARE,
        dict(intake),
        {f: v for f, v in answers.items() if f not in regions},
    )


def _sex_specific(kb: CompiledKB) -> dict[str, Sex]:
    """Findings whose evidence rows all belong to conditions of one sex (pregnancy, vaginal
    bleeding): a simulated patient of the other sex does not have them."""
    sexes: dict[str, set[Sex | None]] = {}
    for condition in kb.knowledge.conditions:
        for row in condition.evidence:
            sexes.setdefault(row.finding, set()).add(condition.applies.sex)
    return {f: next(iter(s)) for f, s in sexes.items() if len(s) == 1 and None not in s}  # type: ignore[misc]


def _age_bands(kb: CompiledKB) -> dict[str, tuple[float, float]]:
    if not kb.has_finding(AGE_FINDING) or kb.finding(AGE_FINDING).numeric is None:
        return {}
    spec = kb.finding(AGE_FINDING).numeric
    assert spec is not None
    return {
        t.finding: (
            t.lower if t.lower is not None else spec.plausible_min,
            t.upper if t.upper is not None else 90.0,
        )
        for t in spec.derive
    }


def _demographics(
    kb: CompiledKB, answers: dict[str, bool], rng: np.random.Generator
) -> tuple[float | None, Sex | None]:
    bands = _age_bands(kb)
    age = None
    for finding, (low, high) in bands.items():
        if answers.get(finding):
            age = float(math.floor(rng.uniform(low, high)))
    sex = next((Sex(s) for s, f in SEX_FINDINGS.items() if answers.get(f)), None)
    return age, sex


def vignette_patients(kb: CompiledKB) -> Iterator[Patient]:
    regions = {f.id for f in kb.knowledge.findings if f.kind is FindingKind.REGION}
    for path in sorted((ROOT / "tests" / "vignettes").glob("*.jsonl")):
        for line in path.read_text().splitlines():
            if not line.strip():
                continue
            v = json.loads(line)
            raw = {**v["findings"], **v.get("workup_findings", {})}
            case = Case(age=v["age"], sex=v["sex"], setting=v["setting"], findings=raw)
            answers, _ = encode(case, kb)
            known = dict.fromkeys(answers.present, True) | dict.fromkeys(answers.absent, False)
            intake: dict[str, bool | float] = {f: b for f, b in known.items() if f in regions}
            yield Patient(
                None,
                tuple(v["expected"]),
                v["age"],
                Sex(v["sex"]),
                Setting(v["setting"]),
                intake,
                known,
            )


# ----------------------------------------------------------------------------------------------
# Running an interview


@dataclass
class Run:
    top_rank: list[int]  # after 0..budget questions: best rank of an expected condition
    triage: list[int]  # triage rank after 0..budget questions
    stop_at: int  # questions asked when the stop rule stopped (adaptive), else budget
    stop_reason: str
    held: bool  # a safety hold deferred a stop for "leader clear" or "nothing worth asking"
    asked: list[str] = field(default_factory=list)  # the questions, in order (after the stop too)


def interview(
    kb: CompiledKB,
    bank: QuestionBank,
    patient: Patient,
    strategy: str,
    order: list[int],
    budget: int,
    asker: Asker,
) -> Run:
    findings: dict[str, bool | float] = dict(patient.intake)
    asked: set[str] = set()
    ranks, triages = [], []
    stop_at, stop_reason = budget, "budget"
    held = False
    queue = [bank.questions[i].id for i in order]
    order_asked: list[str] = []
    for n in range(budget + 1):
        case = Case(age=patient.age, sex=patient.sex, setting=patient.setting, findings=findings)
        answers, _ = encode(case, kb)
        if strategy == "adaptive":
            step = interview_step(
                kb,
                bank,
                answers,
                StepPatient(case.setting, case.age, case.sex),
                asker=asker,
                asked=n,
                budget=budget,
                skipped=frozenset(asked),
            )
            p, level = step.probabilities, step.triage.level.rank
        else:
            posterior = compute_posterior(kb, answers, case.setting, case.age, case.sex)
            p = posterior.probabilities
            flags = fired_red_flags(kb, answers)
            level = decide(kb, posterior, flags).level.rank
        ranks.append(_best_rank(kb, p, patient.expected))
        triages.append(level)
        if n == budget:
            break
        if strategy == "adaptive":
            deferred = step.hold is not None and not step.reserved
            held = held or (deferred and stop_reason == "budget")
            if stop_reason == "budget" and step.stop is not None:
                stop_at, stop_reason = n, step.stop.reason.value
            if not step.suggestions:
                ranks += [ranks[-1]] * (budget - n)
                triages += [triages[-1]] * (budget - n)
                break
            question = step.suggestions[0].question  # after the stop too, for the curves
        else:
            open_ = [q for q in queue if q not in asked and _open(kb, bank, q, answers)]
            if not open_:
                ranks += [ranks[-1]] * (budget - n)
                triages += [triages[-1]] * (budget - n)
                break
            question = open_[0]
        asked.add(question)
        order_asked.append(question)
        findings.update(_answer(bank, question, patient))
    return Run(ranks, triages, stop_at, stop_reason, held, order_asked)


def _open(kb: CompiledKB, bank: QuestionBank, question: str, answers: Answers) -> bool:
    q = bank.questions[bank.index(question)]
    return all(answers.known(f) is None for f in q.findings)


def _answer(bank: QuestionBank, question: str, patient: Patient) -> dict[str, bool]:
    q = bank.questions[bank.index(question)]
    if q.kind == "group":
        chosen = [m for m in q.answers if patient.answers.get(m) is True]
        return {chosen[0]: True} if chosen else {}  # not known: "don't know"
    value = patient.answers.get(q.id)
    return {} if value is None else {q.id: value}


def _best_rank(kb: CompiledKB, probabilities: np.ndarray, expected: tuple[str, ...]) -> int:
    conditions = probabilities[:-1]
    order = sorted(range(len(conditions)), key=lambda i: (-conditions[i], kb.condition_ids[i]))
    ranks = [order.index(kb.condition_ids.index(c)) + 1 for c in expected if c in kb.condition_ids]
    return min(ranks, default=10**6)


def full_triage(
    kb: CompiledKB, bank: QuestionBank, patient: Patient, asker: Asker
) -> tuple[int, tuple[str, ...]]:
    """The triage rank after every question the asker can answer, and the red flags that fire."""
    allowed = list(Asker).index(asker)
    askable = {
        f
        for q, rank in zip(bank.questions, bank.asker_rank, strict=True)
        if rank <= allowed
        for f in q.findings
    }
    answers_ = {f: v for f, v in patient.answers.items() if f in askable}
    findings = {**patient.intake, **answers_}
    case = Case(age=patient.age, sex=patient.sex, setting=patient.setting, findings=findings)
    answers, _ = encode(case, kb)
    posterior = compute_posterior(kb, answers, case.setting, case.age, case.sex)
    flags = fired_red_flags(kb, answers)
    level = decide(kb, posterior, flags).level
    return level.rank, tuple(f.red_flag for f in flags)


def fixed_order(kb: CompiledKB, bank: QuestionBank, asker: Asker) -> list[int]:
    """Questions by their score at the prior of the setting: the same list for every patient."""
    prior = np.exp(kb.log_prior[Setting.PRIMARY_CARE])
    scores = expected_gains(bank, prior / prior.sum()).score
    allowed = candidates(bank, Answers(frozenset(), frozenset(), {}, frozenset()), asker)
    return [int(i) for i in np.argsort(-scores, kind="stable") if allowed[i]]


def evaluate(
    kb: CompiledKB,
    bank: QuestionBank,
    patients: list[Patient],
    asker: Asker,
    budget: int,
    seed: int,
) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    fixed = fixed_order(kb, bank, asker)
    runs: dict[str, list[Run]] = {s: [] for s in STRATEGIES}
    full: list[int] = []
    fired: list[tuple[str, ...]] = []
    for patient in patients:
        level, flags = full_triage(kb, bank, patient, asker)
        full.append(level)
        fired.append(flags)
        for strategy in STRATEGIES:
            order = list(rng.permutation(fixed)) if strategy == "random" else fixed
            runs[strategy].append(interview(kb, bank, patient, strategy, order, budget, asker))
    result = summarise(kb, patients, runs, full, budget)
    result["adaptive"]["missed_breakdown"] = miss_breakdown(
        kb, patients, runs["adaptive"], full, fired
    )
    suggests = {flag.id: set(flag.suggests) for flag in kb.knowledge.red_flags}
    result["red_flags_full"] = {
        "any": sum(bool(f) for f in fired),
        "spontaneous": sum(
            bool(f) and all(p.truth not in suggests[x] for x in f)
            for p, f in zip(patients, fired, strict=True)
            if p.truth is not None
        ),
    }
    return result


def need(kb: CompiledKB, patient: Patient) -> int:
    """The triage rank the true condition needs when it is an urgent or emergency must-not-miss
    condition, else -1 (not a patient the safety target is about)."""
    if patient.truth is None:
        return -1
    condition = kb.condition(patient.truth)
    urgent = condition.must_not_miss and condition.urgency.rank >= TriageLevel.URGENT.rank
    return condition.urgency.rank if urgent else -1


def missed(
    kb: CompiledKB, patients: list[Patient], levels: list[int], full: list[int]
) -> dict[str, list[int]]:
    """Which patients with an urgent or emergency must-not-miss condition a strategy missed,
    given the triage rank each strategy ended with (``levels``) and the full questionnaire's.

    * ``raw``: triaged below what the condition needs (emergency for cauda equina, urgent for a
      psoas abscess), whatever the full questionnaire did;
    * ``catchable`` (issue 5's target): those of them whose full questionnaire triages urgent or
      higher, and whose triage is below what the full questionnaire gives, up to what the
      condition needs (a false alarm that sends a psoas abscess to the emergency department
      does not make "urgent" a miss);
    * ``below_full``: the full questionnaire triages urgent or higher and the strategy lower,
      however much the condition needs (the figure reported before; it counts chance red flags
      of other conditions).
    """
    urgent = TriageLevel.URGENT.rank
    result: dict[str, list[int]] = {"raw": [], "catchable": [], "below_full": []}
    for i, patient in enumerate(patients):
        needed = need(kb, patient)
        if needed < 0:
            continue
        if levels[i] < needed:
            result["raw"].append(i)
        if full[i] >= urgent and levels[i] < min(full[i], needed):
            result["catchable"].append(i)
        if full[i] >= urgent and levels[i] < full[i]:
            result["below_full"].append(i)
    return result


def over_triage(
    kb: CompiledKB, patients: list[Patient], levels: list[int], full: list[int]
) -> dict[str, int]:
    """The price of safety: patients whose true condition needs less than urgent care (no
    urgent or emergency must-not-miss condition) triaged urgent or higher (``urgent``; the full
    questionnaire's own count is ``full_urgent``), and patients triaged above the full
    questionnaire's level (``above_full``)."""
    urgent = TriageLevel.URGENT.rank
    calm = [i for i, p in enumerate(patients) if p.truth is not None and need(kb, p) < 0]
    return {
        "patients": len(calm),
        "urgent": sum(levels[i] >= urgent for i in calm),
        "full_urgent": sum(full[i] >= urgent for i in calm),
        "above_full": sum(levels[i] > full[i] for i in range(len(patients))),
    }


def miss_breakdown(
    kb: CompiledKB,
    patients: list[Patient],
    runs: list[Run],
    full: list[int],
    fired: list[tuple[str, ...]],
) -> dict[str, dict[str, int]]:
    """The catchable misses by true condition, by stop reason, and by what made the full
    questionnaire triage them: a red flag that suggests the condition, another red flag (a
    chance finding), or the must-not-miss probability mass alone."""
    flags = {flag.id: flag for flag in kb.knowledge.red_flags}
    levels = [r.triage[r.stop_at] for r in runs]
    breakdown: dict[str, dict[str, int]] = {"condition": {}, "stop": {}, "full_caught_by": {}}
    for i in missed(kb, patients, levels, full)["catchable"]:
        target = min(full[i], need(kb, patients[i]))
        high = [flags[f] for f in fired[i] if flags[f].level.rank >= target]
        caught_by = (
            "red flag suggesting it"
            if any(patients[i].truth in f.suggests for f in high)
            else "another red flag"
            if high
            else "must-not-miss mass"
        )
        truth = str(patients[i].truth)
        for key, value in (("condition", truth), ("stop", runs[i].stop_reason)):
            breakdown[key][value] = breakdown[key].get(value, 0) + 1
        breakdown["full_caught_by"][caught_by] = breakdown["full_caught_by"].get(caught_by, 0) + 1
    return breakdown


def summarise(
    kb: CompiledKB,
    patients: list[Patient],
    runs: dict[str, list[Run]],
    full: list[int],
    budget: int,
) -> dict[str, Any]:
    urgent = TriageLevel.URGENT.rank
    needing = [i for i, p in enumerate(patients) if need(kb, p) >= 0]
    result: dict[str, Any] = {
        "patients": len(patients),
        "budget": budget,
        "dangerous_patients_raw": len(needing),
        "dangerous_patients": sum(full[i] >= urgent for i in needing),
    }
    for strategy, strategy_runs in runs.items():
        curve1 = [
            float(np.mean([r.top_rank[n] <= 1 for r in strategy_runs])) for n in range(budget + 1)
        ]
        curve3 = [
            float(np.mean([r.top_rank[n] <= 3 for r in strategy_runs])) for n in range(budget + 1)
        ]
        reached = [
            next((n for n, rank in enumerate(r.top_rank) if rank <= 3), None) for r in strategy_runs
        ]
        at_stop = [r.stop_at if strategy == "adaptive" else budget for r in strategy_runs]
        levels = [r.triage[s] for r, s in zip(strategy_runs, at_stop, strict=True)]
        misses = missed(kb, patients, levels, full)
        reasons: dict[str, int] = {}
        for r in strategy_runs:
            reasons[r.stop_reason] = reasons.get(r.stop_reason, 0) + 1
        result[strategy] = {
            "top1": {n: curve1[n] for n in BUDGETS if n <= budget},
            "top3": {n: curve3[n] for n in BUDGETS if n <= budget},
            "top1_curve": curve1,
            "top3_curve": curve3,
            "mean_questions_to_top3": float(np.mean([n for n in reached if n is not None]))
            if any(n is not None for n in reached)
            else None,
            "reached_top3": float(np.mean([n is not None for n in reached])),
            "at_stop": {
                "mean_questions": float(np.mean(at_stop)),
                "top1": float(
                    np.mean(
                        [r.top_rank[s] <= 1 for r, s in zip(strategy_runs, at_stop, strict=True)]
                    )
                ),
                "top3": float(
                    np.mean(
                        [r.top_rank[s] <= 3 for r, s in zip(strategy_runs, at_stop, strict=True)]
                    )
                ),
                "reasons": reasons,
                "held": sum(r.held for r in strategy_runs),
            },
            "over_triage": over_triage(kb, patients, levels, full),
            "emergencies_missed": len(misses["catchable"]),
            "emergencies_missed_raw": len(misses["raw"]),
            "below_full_questionnaire": len(misses["below_full"]),
        }
    fixed_top3 = result["fixed"]["top3_curve"][budget]
    adaptive = result["adaptive"]["top3_curve"]
    result["adaptive_questions_to_match_fixed"] = next(
        (n for n, value in enumerate(adaptive) if value >= fixed_top3), None
    )
    return result


# ----------------------------------------------------------------------------------------------
# Report


def table(title: str, summary: dict[str, Any]) -> str:
    lines = [
        f"{title}: {summary['patients']} patients, budget {summary['budget']}, "
        f"{summary['dangerous_patients_raw']} with an urgent/emergency must-not-miss condition, "
        f"{summary['dangerous_patients']} of them triaged urgent or higher by the full"
        " questionnaire"
    ]
    head = " | ".join(f"top-1/3 @{n}" for n in BUDGETS if n <= summary["budget"])
    lines.append(
        f"| strategy | {head} | questions to top-3 (reached) | at stop: questions, "
        "top-1/3 | emergencies missed: catchable / raw (below full) | over-triage: others "
        "urgent+ (full) / above full |"
    )
    lines.append("|---" * (5 + sum(n <= summary["budget"] for n in BUDGETS)) + "|")
    for strategy in STRATEGIES:
        s = summary[strategy]
        cells = " | ".join(f"{s['top1'][n]:.0%} / {s['top3'][n]:.0%}" for n in s["top1"])
        to_top3 = s["mean_questions_to_top3"]
        reach = f"{to_top3:.1f} ({s['reached_top3']:.0%})" if to_top3 is not None else "-"
        stop = s["at_stop"]
        lines.append(
            f"| {strategy} | {cells} | {reach} | {stop['mean_questions']:.1f}, "
            f"{stop['top1']:.0%} / {stop['top3']:.0%} | {s['emergencies_missed']} / "
            f"{s['emergencies_missed_raw']} ({s['below_full_questionnaire']}) | "
            f"{s['over_triage']['urgent']} ({s['over_triage']['full_urgent']}) of "
            f"{s['over_triage']['patients']} / {s['over_triage']['above_full']} |"
        )
    match = summary["adaptive_questions_to_match_fixed"]
    lines.append(
        f"adaptive reaches the fixed questionnaire's top-3 accuracy at {summary['budget']}"
        f" questions ({summary['fixed']['top3_curve'][-1]:.0%}) after "
        f"{match if match is not None else 'more than ' + str(summary['budget'])} "
        "questions; adaptive stop reasons: "
        f"{summary['adaptive']['at_stop']['reasons']}; a safety hold deferred the stop in "
        f"{summary['adaptive']['at_stop']['held']}"
    )
    breakdown = summary["adaptive"].get("missed_breakdown")
    if breakdown:
        for key, title in (
            ("condition", "by condition"),
            ("stop", "by stop reason"),
            ("full_caught_by", "the full questionnaire caught them by"),
        ):
            counts = sorted(breakdown[key].items(), key=lambda item: (-item[1], item[0]))
            lines.append(
                f"adaptive catchable misses {title}: "
                + (", ".join(f"{k} {v}" for k, v in counts) or "none")
            )
    if "red_flags_full" in summary:
        fired = summary["red_flags_full"]
        lines.append(
            f"red flags on the full questionnaire: {fired['any']} of {summary['patients']} patients"
            f" ({fired['any'] / max(summary['patients'], 1):.0%}); spontaneous (no fired flag "
            f"suggests the true condition): {fired['spontaneous']}"
        )
    return "\n".join(lines)


def main() -> None:
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
    results["simulated"] = evaluate(kb, bank, patients, args.asker, args.budget, args.seed)
    if not args.no_vignettes:
        vignettes = list(vignette_patients(kb))
        results["vignettes"] = evaluate(
            kb, bank, vignettes, Asker.CLINICIAN_WITH_IMAGING, args.budget, args.seed
        )
    results["seconds"] = time.perf_counter() - started
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"knowledge base {results['knowledge_base']}; asker {args.asker.value}; seed {args.seed}")
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
    print(table("Simulated patients (answers drawn from the KB)", results["simulated"]))
    if "vignettes" in results:
        print()
        print(
            table(
                "Self-test vignettes replayed (unknown = don't know; asker clinician_with_imaging)",
                results["vignettes"],
            )
        )
    print(f"\n{results['seconds']:.1f} s")


if __name__ == "__main__":
    main()
