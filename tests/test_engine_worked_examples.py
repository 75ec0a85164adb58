"""The engine on a knowledge base small enough to check by hand (tests/fixtures/tiny_kb)."""

from __future__ import annotations

import math

import pytest

import hipdx
from hipdx.kb.compiled import CompiledKB


def _probabilities(assessment: hipdx.Assessment) -> dict[str, float]:
    return {r.condition: r.probability for r in assessment.differential}


def test_with_no_answers_the_posterior_is_the_normalised_prior(tiny_kb: CompiledKB) -> None:
    """Priors A 0.2, B 0.1, C 0.1, other 0.6 already sum to 1."""
    result = hipdx.assess({"findings": {}}, knowledge=tiny_kb)
    assert _probabilities(result) == pytest.approx({"cond_a": 0.2, "cond_b": 0.1, "cond_c": 0.1})
    assert result.results.other_cause_probability == pytest.approx(0.6)


def test_a_present_finding_multiplies_the_odds_by_its_positive_likelihood_ratio(
    tiny_kb: CompiledKB,
) -> None:
    """f_pain present: A x 0.8/0.4 = 2, so scores A 0.4, B 0.1, C 0.1, other 0.6; total 1.2.

    P(A) = 0.4/1.2 = 1/3, P(B) = P(C) = 0.1/1.2, P(other) = 0.5.
    """
    result = hipdx.assess({"findings": {"f_pain": True}}, knowledge=tiny_kb)
    assert _probabilities(result) == pytest.approx(
        {"cond_a": 1 / 3, "cond_b": 1 / 12, "cond_c": 1 / 12}
    )
    assert result.results.other_cause_probability == pytest.approx(0.5)


def test_an_absent_finding_uses_the_negative_likelihood_ratio(tiny_kb: CompiledKB) -> None:
    """f_test absent: B x 0.5; scores A 0.2, B 0.05, C 0.1, other 0.6; total 0.95."""
    result = hipdx.assess({"findings": {"f_test": False}}, knowledge=tiny_kb)
    assert _probabilities(result)["cond_b"] == pytest.approx(0.05 / 0.95)


def test_an_exclusive_group_is_one_variable(tiny_kb: CompiledKB) -> None:
    """Onset is sudden/gradual. A has P(gradual|A)=0.9, P(gradual|others)=0.5.

    Answering "gradual" gives A a ratio 0.9/0.5 = 1.8; answering "sudden" gives 0.1/0.5 = 0.2;
    and answering "not sudden" must give the same as "gradual", because the group is one variable.
    """
    gradual = hipdx.assess({"findings": {"f_gradual": True}}, knowledge=tiny_kb)
    not_sudden = hipdx.assess({"findings": {"f_sudden": False}}, knowledge=tiny_kb)
    both = hipdx.assess({"findings": {"f_gradual": True, "f_sudden": False}}, knowledge=tiny_kb)
    expected = 0.2 * 1.8 / (0.2 * 1.8 + 0.1 + 0.1 + 0.6)
    for result in (gradual, not_sudden, both):
        assert _probabilities(result)["cond_a"] == pytest.approx(expected)
    sudden = hipdx.assess({"findings": {"f_sudden": True}}, knowledge=tiny_kb)
    assert _probabilities(sudden)["cond_a"] == pytest.approx(
        0.2 * 0.2 / (0.2 * 0.2 + 0.1 + 0.1 + 0.6)
    )


def test_conditions_impossible_for_sex_or_age_get_no_probability(tiny_kb: CompiledKB) -> None:
    """B applies to women only and C to under-18s: a 40-year-old man can have neither."""
    result = hipdx.assess({"age": 40, "sex": "male", "findings": {}}, knowledge=tiny_kb)
    assert set(_probabilities(result)) == {"cond_a"}
    assert result.rank_of("cond_b") is None
    assert _probabilities(result)["cond_a"] == pytest.approx(0.2 / 0.8)


def test_the_explanation_records_each_likelihood_ratio_with_its_source(tiny_kb: CompiledKB) -> None:
    result = hipdx.assess({"findings": {"f_pain": True, "f_test": True}}, knowledge=tiny_kb)
    a = next(r for r in result.differential if r.condition == "cond_a")
    (contribution,) = a.explanation
    assert contribution.finding == "f_pain"
    assert contribution.kind == "present"
    assert contribution.likelihood_ratio == pytest.approx(2.0)
    assert contribution.log_lr == pytest.approx(math.log(2.0))
    assert contribution.references == ("ref-a",)
    assert a.raised_by == (contribution,) and a.lowered_by == ()


def test_a_red_flag_sets_the_least_triage_level(tiny_kb: CompiledKB) -> None:
    calm = hipdx.assess({"findings": {"f_pain": True}}, knowledge=tiny_kb)
    flagged = hipdx.assess({"findings": {"f_pain": True, "f_fever": True}}, knowledge=tiny_kb)
    assert calm.triage.level == "routine"
    assert flagged.triage.level in ("urgent", "emergency")
    assert [f.red_flag for f in flagged.results.red_flags] == ["rf_fever_pain"]


def test_must_not_miss_mass_escalates_triage(tiny_kb: CompiledKB) -> None:
    """f_test present and f_fever present make B (urgent, must not miss) likely: B x 4 x 5 = 20."""
    result = hipdx.assess(
        {"sex": "female", "findings": {"f_test": True, "f_fever": True}}, knowledge=tiny_kb
    )
    kinds = {r.kind for r in result.triage.reasons}
    assert "must_not_miss" in kinds
    assert result.triage.level == "urgent"
