"""Extraction quality on our hand-annotated gold set (tests/fixtures/gold/intake_gold.jsonl):
a regression gate on precision, recall and negation (targets from issue 4)."""

from __future__ import annotations

from pathlib import Path

import pytest

import hipdx
from hipdx.evaluation._extraction import ExtractionReport, load_gold, score_extraction
from hipdx.kb.compiled import CompiledKB

GOLD = Path(__file__).parent / "fixtures" / "gold" / "intake_gold.jsonl"


@pytest.fixture(scope="module")
def report(kb: CompiledKB) -> ExtractionReport:
    return score_extraction(kb, load_gold(GOLD), lambda text: hipdx.parse(text).case)


def test_the_gold_set_is_large_and_varied_enough(kb: CompiledKB) -> None:
    gold = load_gold(GOLD)
    mentions = sum(len(p.expected) + len(p.not_current) for p in gold)
    negated = sum(1 for p in gold for v in p.expected.values() if v is False)
    assert len(gold) >= 60
    assert mentions >= 200
    assert negated >= 30 and sum(len(p.not_current) for p in gold) >= 5
    assert {p.style for p in gold} == {"clinician", "patient"}
    for passage in gold:
        for finding in [*passage.expected, *passage.not_current]:
            assert kb.has_finding(finding), f"{passage.id}: {finding} is not in the KB"


def test_overall_precision_is_at_least_0_90(report: ExtractionReport) -> None:
    assert report.overall.precision >= 0.90, report.errors


def test_overall_recall_is_at_least_0_85(report: ExtractionReport) -> None:
    assert report.overall.recall >= 0.85, report.errors


def test_negated_mentions_are_read_as_absent_at_least_95_percent(report: ExtractionReport) -> None:
    assert report.negation_accuracy >= 0.95, report.errors


def test_historical_hypothetical_and_family_mentions_are_mostly_not_set(
    report: ExtractionReport,
) -> None:
    assert report.not_current_accuracy >= 0.75, report.errors
