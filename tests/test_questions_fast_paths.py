"""The fast paths of next questions give bit for bit what the plain code gives.

The red-flag rules as one circuit (`hipdx.interview.circuit`) against `rule_probability`,
`evaluate` and `can_fire` one rule at a time, on random rules of every kind (at least k of,
absent, nested); the vectorised screening against `screening_gains` on the packaged knowledge
base, with random answers, posteriors, open questions and subsets of red flags; and one
interview step holding the same suggestions as the plain ranking. No timing is asserted here
(bench/bench_questions.py times it).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hipdx
from hipdx import Asker
from hipdx.inference.answers import Answers
from hipdx.inference.assess import answers_of
from hipdx.inference.case import case_from
from hipdx.inference.snapshot import Patient, take_snapshot
from hipdx.interview.circuit import rule_circuit, unasked_layout, unasked_probabilities
from hipdx.interview.gains import rank_questions
from hipdx.interview.relevance import denied_region_findings, parts_answered
from hipdx.interview.safety import can_fire
from hipdx.interview.screening import rule_probability, screening_gains
from hipdx.interview.screening_plan import all_screening_gains
from hipdx.interview.step import settled_by_derived
from hipdx.kb.rules import evaluate
from hipdx.kb.schema import Absent, AllOf, AnyOf, AtLeast, Rule

FINDINGS = ("a", "b", "c", "d", "e", "f")


def _rules() -> st.SearchStrategy[Rule]:
    leaf = st.sampled_from(FINDINGS)
    return st.recursive(
        leaf | leaf.map(lambda f: Absent(absent=f)),
        lambda parts: st.one_of(
            st.lists(parts, min_size=1, max_size=4).map(lambda p: AllOf(all=p)),
            st.lists(parts, min_size=1, max_size=4).map(lambda p: AnyOf(any=p)),
            st.lists(parts, min_size=1, max_size=4).flatmap(
                lambda p: st.integers(1, len(p)).map(lambda k: AtLeast(at_least=k, of=p))
            ),
        ),
        max_leaves=10,
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rules=st.lists(_rules(), min_size=1, max_size=4), seed=st.integers(0, 2**32 - 1))
def test_the_circuit_computes_each_rule_as_rule_probability_and_evaluate_do(
    rules: list[Rule], seed: int
) -> None:
    rng = np.random.default_rng(seed)
    scenarios = [int(rng.integers(0, 5)) for _ in rules]
    overrides = [
        {
            f: (np.flatnonzero(choice == 1).tolist(), np.flatnonzero(choice == 2).tolist())
            for f in FINDINGS
            for choice in [rng.integers(0, 3, size=count)]
        }
        for count in scenarios
    ]
    circuit = rule_circuit(rules, scenarios, overrides)
    present = rng.choice([0.0, 1.0, 0.3, 1e-300, 0.5, 0.999], size=len(circuit.findings))
    cells = circuit.probabilities(present)
    known = rng.integers(0, 3, size=len(circuit.findings))  # 0 unknown, 1 present, 2 absent
    decided = circuit.decided(known == 1, known == 2)
    askable = rng.random(len(circuit.findings)) < 0.5
    absent = np.where(rng.random(len(circuit.findings)) < 0.5, 1.0 - present, 0.0)
    predicted = circuit.rule_probabilities(present, absent)
    fireable = circuit.can_fire(known == 1, known == 2, askable)
    for flag, rule in enumerate(rules):
        values = {}
        for f, i in circuit.position.items():
            column = np.full(scenarios[flag], present[i])
            set_present, set_absent = overrides[flag][f]
            column[set_present], column[set_absent] = 1.0, 0.0
            values[f] = np.concatenate([[present[i]], column])
        expected = np.broadcast_to(rule_probability(rule, values), (1 + scenarios[flag],))
        root = circuit.scenarios.roots[flag]
        assert cells[root : root + 1 + scenarios[flag]].tobytes() == expected.tobytes()
        state = {f: [None, True, False][known[i]] for f, i in circuit.position.items()}
        assert decided[flag] == (evaluate(rule, state.get) is not None)
        asked = {f for f, i in circuit.position.items() if askable[i]}
        now = {f: present[i] for f, i in circuit.position.items()}
        not_there = {f: absent[i] for f, i in circuit.position.items()}
        assert predicted[flag] == rule_probability(rule, now, not_there)
        assert fireable[flag] == can_fire(rule, state.get, asked)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rules=st.lists(_rules(), min_size=1, max_size=3), seed=st.integers(0, 2**32 - 1))
def test_the_unasked_layout_computes_each_rule_with_a_question_never_asked(
    rules: list[Rule], seed: int
) -> None:
    rng = np.random.default_rng(seed)
    circuit = rule_circuit(rules, [0] * len(rules), [{} for _ in rules])
    groups = [FINDINGS[:2], FINDINGS[2:3], FINDINGS[3:]]  # the questions' findings
    questions = [[g for g in groups if rng.random() < 0.7] for _ in rules]
    unasked = unasked_layout(circuit, questions)
    shape = (len(circuit.findings), 3)  # one value per condition
    present = rng.choice([0.0, 1.0, 0.25, 0.9], size=shape)
    absent = np.where(rng.random(shape) < 0.5, 1.0 - present, 0.0)
    cells = unasked_probabilities(unasked, present, absent)
    now = {f: present[i] for f, i in circuit.position.items()}
    not_there = {f: absent[i] for f, i in circuit.position.items()}
    for flag, rule in enumerate(rules):
        root = unasked.layout.roots[flag]
        assert (
            cells[root].tobytes()
            == np.broadcast_to(rule_probability(rule, now, not_there), (3,)).tobytes()
        )
        for n, findings in enumerate(questions[flag]):
            left = dict.fromkeys(findings, np.zeros(3))
            expected = rule_probability(rule, now | left, not_there | left)
            assert cells[root + 1 + n].tobytes() == np.broadcast_to(expected, (3,)).tobytes()


def test_the_vectorised_screening_is_the_plain_one_bit_for_bit() -> None:
    bank = hipdx.default_engine().question_bank
    rng = np.random.default_rng(17)
    findings = sorted({f for s in bank.screens.values() for f in s.mentioned})
    question_findings = [q.findings for q in bank.questions]
    for trial in range(60):
        chosen = rng.choice(len(findings), size=int(rng.integers(0, 40)), replace=False)
        half = len(chosen) // 2
        answers = Answers(
            frozenset(findings[i] for i in chosen[:half]),
            frozenset(findings[i] for i in chosen[half:]),
            {},
            frozenset(),
        )
        probabilities = rng.dirichlet(np.full(bank.log_lr.shape[1], 0.2))
        if trial % 3 == 0:  # conditions this patient cannot have
            probabilities[rng.random(len(probabilities)) < 0.3] = 0.0
            probabilities /= probabilities.sum()
        p_answer = np.einsum("c,qca->qa", probabilities, bank.answer_probability)
        open_ = rng.random(len(bank.questions)) < 0.8
        flags = tuple(f for f in bank.red_flags if rng.random() < 0.7)
        plain = screening_gains(flags, answers, question_findings, p_answer, open_, bank.screens)
        fast = all_screening_gains(bank.screening, flags, answers, p_answer, open_)
        assert fast.tobytes() == plain.tobytes()


@pytest.mark.parametrize("asker", list(Asker))
def test_a_step_suggests_what_the_plain_ranking_suggests(asker: Asker) -> None:
    engine = hipdx.default_engine()
    case = {"age": 44, "sex": "male", "findings": {"pain_low_back": True, "fever": False}}
    step_questions = engine.next_questions(case, asker=asker, k=5)
    parsed = case_from(case)
    answers = answers_of(parsed, engine.knowledge)
    snapshot = take_snapshot(
        engine.knowledge, answers, Patient(parsed.setting, parsed.age, parsed.sex)
    )
    plain = rank_questions(
        engine.question_bank,
        answers,
        snapshot.posterior.probabilities,
        asker=asker,
        k=5,
        exclude=settled_by_derived(engine.knowledge, answers),
        level=snapshot.triage.level,
    )
    assert step_questions == plain


def test_the_findings_not_asked_are_those_settled_by_a_derived_answer_or_a_denied_region() -> None:
    engine = hipdx.default_engine()
    kb = engine.knowledge
    regions = sorted({r for f in kb.knowledge.findings for r in f.regions})
    others = [f.id for f in kb.knowledge.findings if f.id not in regions]
    rng = np.random.default_rng(5)
    for _ in range(300):
        denied = [r for r in regions if rng.random() < 0.6]
        chosen = rng.choice(len(others), size=int(rng.integers(0, 40)), replace=False)
        half = len(chosen) // 2
        answers = Answers(
            frozenset(others[i] for i in chosen[:half]),
            frozenset([*denied, *(others[i] for i in chosen[half:])]),
            {},
            frozenset(),
        )
        expected = (
            settled_by_derived(kb, answers)
            | denied_region_findings(kb, answers)
            | parts_answered(kb, answers)
        )
        assert engine.question_bank.not_asked.findings(answers) == expected
