"""A finding the knowledge base does not link to a condition counts against it, by hand.

The tiny knowledge base (tests/fixtures/tiny_kb) with an `unlinked_findings` policy of rate ratio
0.5 for region, exam and symptom findings. f_pain (region) has one row, in A: Sn 0.8, Sp 0.6, so
its rate among other presenters is 0.4 and an unlinked class gets LR+ 0.5 and
LR- (1 - 0.5 x 0.4) / (1 - 0.4) = 4/3. f_test's only row is given as LRs, so it has no
comparator rate and stays neutral where unlinked.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

import hipdx
from hipdx.inference.assessment import ContributionKind
from hipdx.kb.compiled import CompiledKB, comparator_rates, compile_knowledge
from hipdx.kb.rules import rule_findings
from hipdx.kb.schema import FindingKind, LevelThreshold, UnlinkedFindings

TINY_KB = Path(__file__).parent / "fixtures" / "tiny_kb"


def _tiny(
    rate_ratio: float,
    urgent_mass: float = 0.3,
    red_flags: bool = False,
    max_comparator_rate: float = 1.0,
) -> CompiledKB:
    """The tiny knowledge base with the policy; without its red flag unless ``red_flags``
    (the flag mentions f_pain and f_fever, which would keep them neutral)."""
    knowledge = hipdx.load_knowledge(TINY_KB).knowledge
    assert knowledge.triage is not None
    policy = UnlinkedFindings(
        rate_ratio=rate_ratio,
        kinds=[FindingKind.REGION, FindingKind.EXAM, FindingKind.SYMPTOM],
        max_comparator_rate=max_comparator_rate,
        grade="expert-estimate",
        note="test fixture policy",
    )
    threshold = LevelThreshold(
        level="urgent", mass=urgent_mass, grade="expert-estimate", note="test fixture threshold"
    )
    triage = knowledge.triage.model_copy(
        update={"unlinked_findings": policy, "must_not_miss_thresholds": [threshold]}
    )
    flags = knowledge.red_flags if red_flags else ()
    return compile_knowledge(replace(knowledge, triage=triage, red_flags=flags))


def _probabilities(assessment: hipdx.Assessment) -> dict[str, float]:
    return {r.condition: r.probability for r in assessment.differential}


def test_a_present_finding_counts_against_every_class_it_is_not_linked_to() -> None:
    """f_pain present: A x 2; B, C and the other cause x 0.5.

    Scores A 0.4, B 0.05, C 0.05, other 0.3 (total 0.8): P(A) = 0.5, P(B) = 1/16, other 0.375.
    """
    result = hipdx.assess({"findings": {"f_pain": True}}, knowledge=_tiny(0.5))
    assert _probabilities(result) == pytest.approx(
        {"cond_a": 0.5, "cond_b": 1 / 16, "cond_c": 1 / 16}
    )
    assert result.results.other_cause_probability == pytest.approx(0.375)


def test_an_absent_finding_counts_for_the_classes_it_is_not_linked_to() -> None:
    """f_pain absent: A x LR- 0.2/0.6 = 1/3; B, C, other x 4/3.

    Scores A 0.2/3, B 0.4/3, C 0.4/3, other 2.4/3 (total 3.4/3): P(A) = 0.2/3.4.
    """
    result = hipdx.assess({"findings": {"f_pain": False}}, knowledge=_tiny(0.5))
    assert _probabilities(result)["cond_a"] == pytest.approx(0.2 / 3.4)
    assert _probabilities(result)["cond_b"] == pytest.approx(0.4 / 3.4)


def test_a_rate_ratio_of_one_is_the_plain_model(tiny_kb: CompiledKB) -> None:
    plain = hipdx.assess({"findings": {"f_pain": True, "f_test": True}}, knowledge=tiny_kb)
    neutral = hipdx.assess({"findings": {"f_pain": True, "f_test": True}}, knowledge=_tiny(1.0))
    assert _probabilities(neutral) == pytest.approx(_probabilities(plain))


def test_a_finding_with_no_comparator_rate_stays_neutral_where_unlinked() -> None:
    """f_test is given only as LRs (B: LR+ 4): A, C and the other cause keep LR 1."""
    result = hipdx.assess({"findings": {"f_test": True}}, knowledge=_tiny(0.5))
    assert _probabilities(result)["cond_a"] == pytest.approx(0.2 / (0.2 + 0.4 + 0.1 + 0.6))


def test_a_finding_a_red_flag_mentions_counts_where_unlinked_like_any_other() -> None:
    """The fever-with-pain red flag mentions f_pain: the posterior is the one without the flag
    (triage reads the cautious posterior as well, so this cannot lower it)."""
    result = hipdx.assess({"findings": {"f_pain": True}}, knowledge=_tiny(0.5, red_flags=True))
    assert _probabilities(result) == pytest.approx(
        {"cond_a": 0.5, "cond_b": 1 / 16, "cond_c": 1 / 16}
    )


def test_a_finding_common_among_presenters_stays_neutral_where_unlinked() -> None:
    """f_pain's comparator rate is 0.4: above a limit of 0.3 it counts only where linked."""
    result = hipdx.assess(
        {"findings": {"f_pain": False}}, knowledge=_tiny(0.5, max_comparator_rate=0.3)
    )
    assert _probabilities(result)["cond_b"] == pytest.approx(0.1 / (0.2 / 3 + 0.2 + 0.6))


def test_a_finding_exactly_at_the_limit_still_counts_where_unlinked() -> None:
    """A specificity of 0.7 is a comparator rate of 0.3, at (not above) a limit of 0.3: the
    rate must not come out as 0.30000000000000004 and slip over it."""
    knowledge = hipdx.load_knowledge(TINY_KB).knowledge
    assert knowledge is not None
    conditions = tuple(
        c.model_copy(
            update={
                "evidence": [
                    r.model_copy(update={"specificity": 0.7}) if r.finding == "f_pain" else r
                    for r in c.evidence
                ]
            }
        )
        for c in knowledge.conditions
    )
    assert comparator_rates(replace(knowledge, conditions=conditions))["f_pain"] == 0.3


def test_the_explanation_says_the_finding_is_not_linked() -> None:
    result = hipdx.assess({"findings": {"f_pain": True}}, knowledge=_tiny(0.5))
    b = next(r for r in result.differential if r.condition == "cond_b")
    (contribution,) = b.explanation
    assert contribution.kind is ContributionKind.UNLINKED_PRESENT
    assert contribution.likelihood_ratio == pytest.approx(0.5)
    assert contribution.references == ()


def test_a_missing_link_never_lowers_triage() -> None:
    """With f_pain present, the must-not-miss conditions B and C hold 0.125 of the probability,
    but 0.2/1.2 = 0.167 when unlinked findings are neutral; a threshold of 0.15 between the two
    must still fire, on the larger mass."""
    kb = _tiny(0.5, urgent_mass=0.15)
    result = hipdx.assess({"findings": {"f_pain": True}}, knowledge=kb)
    assert sum(r.probability for r in result.differential if r.must_not_miss) == pytest.approx(
        0.125
    )
    assert result.triage.level == "urgent"
    (reason,) = [r for r in result.triage.reasons if r.kind == "must_not_miss"]
    assert reason.mass == pytest.approx(0.2 / 1.2)
    assert reason.conditions == ("cond_b", "cond_c")


def test_a_finding_is_not_unlinked_from_a_condition_linked_to_its_derived_finding(
    kb: CompiledKB,
) -> None:
    """A raised CRP sets "inflammatory markers raised" (as a raised ESR does): a condition with a
    row for one of them must not also be penalised for lacking a row for another."""
    knowledge = kb.knowledge
    derived = {f.id: f for f in knowledge.findings if f.derived is not None}
    checked = 0
    for finding_id, finding in derived.items():
        assert finding.derived is not None
        sources = set(rule_findings(finding.derived))
        family = sources | {finding_id}
        for i, condition_id in enumerate(kb.condition_ids):
            rows = {r.finding for r in knowledge.conditions[i].evidence}
            for member in family:
                column = kb.finding_column(member)
                if column is None or member in rows or not rows & (family - {member}):
                    continue
                assert kb.log_lr_present[i, column] == 0.0, (condition_id, member)
                checked += 1
    assert checked > 0
