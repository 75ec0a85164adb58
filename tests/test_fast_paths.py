"""The fast paths give exactly the results of the straightforward ones.

An assessment builds its ranked conditions and their explanations only when they are read; what
is read is exactly what the whole document holds, however and in whatever order it is read. The
posterior equals, bit for bit, the one assembled column by column.
"""

from __future__ import annotations

import pickle
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hipdx
from hipdx.inference.answers import encode
from hipdx.inference.assessment import Assessment, Differential, Explanation
from hipdx.inference.case import Case
from hipdx.inference.posterior import applicable, compute_posterior
from hipdx.kb.compiled import CompiledKB
from hipdx.kb.rules import evaluate, holds
from hipdx.kb.schema import Absent, AllOf, AnyOf, AtLeast, Rule

KB = hipdx.load_knowledge()
FIXED = datetime(2026, 1, 1, tzinfo=UTC)
ANSWERABLE = [f for f in KB.finding_ids if KB.finding(f).derived is None]


@st.composite
def cases(draw: st.DrawFn) -> dict[str, Any]:
    chosen = draw(st.lists(st.sampled_from(ANSWERABLE), unique=True, max_size=20))
    return {
        "age": draw(st.one_of(st.none(), st.integers(min_value=1, max_value=95))),
        "sex": draw(st.sampled_from([None, "female", "male"])),
        "findings": {f: draw(st.booleans()) for f in chosen},
    }


def _column_by_column(kb: CompiledKB, case: Case) -> np.ndarray:
    """The posterior assembled one answered variable at a time (the straightforward way)."""
    answers, _ = encode(case, kb)
    columns, other = [], 0.0
    for finding in sorted(answers.present | answers.absent):
        column = kb.finding_column(finding)
        if column is not None:
            present = finding in answers.present
            columns.append((kb.log_lr_present if present else kb.log_lr_absent)[:, column])
            other += float((kb.other_present if present else kb.other_absent)[column])
    for group in kb.groups:
        allowed = np.array([answers.known(m) is not False for m in group.members])
        if not allowed.all():
            p = group.p_given_condition[:, allowed].sum(axis=1)
            q = group.p_given_other[:, allowed].sum(axis=1)
            columns.append(np.log(p) - np.log(q))
    log_lr = np.column_stack(columns) if columns else np.zeros((len(kb.condition_ids), 0))
    scores = kb.log_prior[case.setting].copy()
    scores[:-1][~applicable(kb, case.age, case.sex)] = -np.inf
    scores[:-1] += log_lr.sum(axis=1)
    scores[-1] += other
    weights = np.exp(scores - scores[np.isfinite(scores)].max())
    return np.asarray(weights / weights.sum())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_the_posterior_is_bit_for_bit_the_one_assembled_column_by_column(
    case: dict[str, Any],
) -> None:
    parsed = Case.model_validate(case)
    answers, _ = encode(parsed, KB)
    posterior = compute_posterior(KB, answers, parsed.setting, parsed.age, parsed.sex)
    assert np.array_equal(posterior.probabilities, _column_by_column(KB, parsed))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(), st.data())
def test_records_read_one_at_a_time_are_those_of_the_whole_document(
    case: dict[str, Any], data: st.DataObject
) -> None:
    lazy = hipdx.assess(case, knowledge=KB, now=FIXED)
    whole = pickle.loads(pickle.dumps(hipdx.assess(case, knowledge=KB, now=FIXED)))
    assert len(lazy.differential) == len(whole.differential)
    position = data.draw(st.integers(0, len(whole.differential) - 1))
    ranked = lazy.differential[position]
    assert ranked.model_dump(exclude={"explanation"}) == whole.differential[position].model_dump(
        exclude={"explanation"}
    )
    explanation = ranked.explanation
    assert len(explanation) == len(whole.differential[position].explanation)
    if explanation:
        at = data.draw(st.integers(0, len(explanation) - 1))
        assert explanation[at] == whole.differential[position].explanation[at]
    assert lazy == whole
    assert lazy.document() == whole.document()


def test_a_document_validates_back_into_the_same_assessment(
    seed_case_with_mri: dict[str, Any],
) -> None:
    assessment = hipdx.assess(seed_case_with_mri, knowledge=KB, now=FIXED)
    document = assessment.document()
    restored = Assessment.model_validate(document)
    assert restored == assessment
    assert restored.document() == document
    assert isinstance(restored.differential, Differential)
    assert isinstance(restored.differential[0].explanation, Explanation)


def test_the_lazy_sequences_behave_like_tuples(seed_case_with_mri: dict[str, Any]) -> None:
    differential = hipdx.assess(seed_case_with_mri, knowledge=KB).differential
    records = pickle.loads(pickle.dumps(differential)).records()
    assert differential[-1] == records[-1]
    assert differential[1:4] == records[1:4]
    assert tuple(differential) == records
    assert hash(differential) == hash(records)
    with pytest.raises(IndexError):
        differential[len(records)]
    explanation = differential[0].explanation
    assert bool(explanation) and explanation == tuple(explanation)
    assert not Explanation(())


@st.composite
def rules(draw: st.DrawFn, depth: int = 2) -> Rule:
    leaf = st.sampled_from(["a", "b", "c", "d"])
    if depth == 0:
        return draw(st.one_of(leaf, leaf.map(lambda f: Absent(absent=f))))
    parts = st.lists(rules(depth - 1), min_size=1, max_size=3)
    kind = draw(st.sampled_from(["leaf", "all", "any", "at_least"]))
    if kind == "leaf":
        return draw(leaf)
    if kind == "all":
        return AllOf(all=draw(parts))
    if kind == "any":
        return AnyOf(any=draw(parts))
    of = draw(parts)
    return AtLeast(at_least=draw(st.integers(1, len(of) + 1)), of=of)


@settings(max_examples=200, deadline=None)
@given(rules(), st.dictionaries(st.sampled_from(["a", "b", "c", "d"]), st.booleans()))
def test_a_rule_holds_exactly_when_three_valued_evaluation_says_true(
    rule: Rule, known: dict[str, bool]
) -> None:
    present = frozenset(f for f, v in known.items() if v)
    absent = frozenset(f for f, v in known.items() if not v)
    assert holds(rule, present, absent) == (evaluate(rule, known.get) is True)


def test_a_groups_log_lr_is_worked_out_once_per_mask(kb: CompiledKB) -> None:
    group = kb.groups[0]
    allowed = (True,) + (False,) * (len(group.members) - 1)
    column = group.log_lr(allowed)
    assert group.log_lr(allowed) is column
    mask = np.array(allowed)
    expected = np.log(group.p_given_condition[:, mask].sum(axis=1)) - np.log(
        group.p_given_other[:, mask].sum(axis=1)
    )
    assert np.array_equal(column, expected)
    assert not column.flags.writeable
