"""Invariants of the engine, checked on generated cases (Hypothesis)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hipdx
from hipdx.inference.answers import encode
from hipdx.inference.case import Case
from hipdx.inference.posterior import compute_posterior
from hipdx.inference.triage import as_fired, decide, fired_red_flags

KB = hipdx.load_knowledge()
#: Findings a case answers freely; derived findings (clusters) follow from their parts.
INDEPENDENT = [f.id for f in KB.knowledge.findings if f.derived is None and f.id in KB.finding_ids]
#: Exclusive groups a case answers directly (age band and sex come from `age` and `sex`).
GROUPS = [g.members for g in KB.groups if g.group.id not in ("age_band", "sex")]

_settings = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def cases(draw: st.DrawFn) -> dict[str, Any]:
    """Valid cases: independent findings answered freely, at most one answer per exclusive group."""
    chosen = draw(st.lists(st.sampled_from(INDEPENDENT), unique=True, max_size=15))
    findings: dict[str, Any] = {f: draw(st.booleans()) for f in chosen}
    for members in draw(st.lists(st.sampled_from(GROUPS), unique=True, max_size=3)):
        findings[draw(st.sampled_from(members))] = True
    return {
        "age": draw(st.one_of(st.none(), st.integers(min_value=1, max_value=95))),
        "sex": draw(st.sampled_from([None, "female", "male"])),
        "setting": draw(st.sampled_from(["primary_care", "sports", "emergency"])),
        "findings": findings,
    }


@_settings
@given(cases())
def test_posteriors_are_probabilities_that_sum_to_one(case: dict[str, Any]) -> None:
    result = hipdx.assess(case, knowledge=KB)
    probabilities = [r.probability for r in result.differential] + [
        result.results.other_cause_probability
    ]
    assert all(0.0 <= p <= 1.0 for p in probabilities)
    assert math.isclose(sum(probabilities), 1.0, rel_tol=1e-9)


@_settings
@given(cases(), st.sampled_from(INDEPENDENT))
def test_a_finding_with_lr_above_one_never_lowers_that_conditions_odds(
    case: dict[str, Any], finding: str
) -> None:
    column = KB.finding_column(finding)
    assert column is not None
    case["findings"].pop(finding, None)
    before = _log_odds(case)
    after = _log_odds({**case, "findings": {**case["findings"], finding: True}})
    raised = KB.log_lr_present[:, column] > 0
    assert np.all(after[raised] - before[raised] > -1e-9)


def _log_odds(case: dict[str, Any]) -> np.ndarray:
    parsed = Case.model_validate(case)
    answers, _ = encode(parsed, KB)
    posterior = compute_posterior(KB, answers, parsed.setting, parsed.age, parsed.sex)
    scores = posterior.log_prior[:-1] + posterior.log_lr.sum(axis=1)
    # conditions ruled out by sex or age (score -inf) are left out of the comparison
    return np.where(np.isfinite(scores), scores, 0.0)


@_settings
@given(cases(), st.sampled_from(KB.knowledge.red_flags))
def test_adding_a_fired_red_flag_never_lowers_triage(case: dict[str, Any], flag: Any) -> None:
    parsed = Case.model_validate(case)
    answers, _ = encode(parsed, KB)
    posterior = compute_posterior(KB, answers, parsed.setting, parsed.age, parsed.sex)
    flags = fired_red_flags(KB, answers)
    before = decide(KB, posterior, flags)
    fired = as_fired(flag)
    after = decide(KB, posterior, (*flags, fired))
    assert after.level.rank >= before.level.rank
    assert after.level.rank >= flag.level.rank


@_settings
@given(cases(), st.randoms(use_true_random=False))
def test_the_order_of_findings_does_not_matter(case: dict[str, Any], rng: Any) -> None:
    items = list(case["findings"].items())
    rng.shuffle(items)
    shuffled = {**case, "findings": dict(items)}
    a = hipdx.assess(case, knowledge=KB).results
    b = hipdx.assess(shuffled, knowledge=KB).results
    assert [r.condition for r in a.differential] == [r.condition for r in b.differential]
    assert np.allclose(
        [r.probability for r in a.differential], [r.probability for r in b.differential]
    )
    assert a.triage == b.triage


@_settings
@given(cases())
def test_the_same_input_gives_the_same_output(case: dict[str, Any]) -> None:
    first = hipdx.assess(case, knowledge=KB).results
    second = hipdx.assess(case, knowledge=KB).results
    assert first == second
