"""Extraction quality on our two hand-annotated gold sets: a regression gate on precision, recall
and negation (targets from issue 4), the same targets on each set.

* ``intake_gold.jsonl``: short clinician notes and patients' own words;
* ``case_reports.jsonl``: passages in the style of published case reports, long presentation
  paragraphs ("On examination ...") and separate imaging/laboratory paragraphs (style
  ``workup``);
* ``published_case_reports.jsonl``: passages taken word for word from the published case reports
  of ``corpus/development.jsonl`` (each names its ``source`` case), annotated with what a
  clinician reads there, absent findings included. Its negation target is lower (0.85): real
  reports deny whole groups ("no focal deficits") that the knowledge base splits;
* ``published_fresh.jsonl``: passages taken word for word from published case reports outside the
  project's corpus (each names its citation and address), annotated before the reader was first run
  on them. Its floors are lower: they guard the fixes made after its one blind measurement
  (precision 0.839, recall 0.720, negation 0.494; after: 0.919, 0.912, 0.863) and are no target;
* ``published_fresh_2.jsonl``: a second such set, from 26 other reports, annotated blind after the
  fixes made on the first and measured once (precision 0.803, recall 0.654, negation 0.519; on
  its aligned annotation 0.894, 0.704, 0.644; after the fixes it showed: 0.929, 0.821, 0.800).
  Its floors guard those fixes, below the reader's figure; they are no target.
* ``published_fresh_3.jsonl``: a third such set, from 28 other reports (all published in odd
  years), annotated blind after the fixes made on the first two and measured once (precision
  0.796, recall 0.682, negation 0.591; on its aligned annotation 0.872, 0.712, 0.660; after the
  fixes it showed: 0.941, 0.879, 0.833). Its floors guard those fixes, below the reader's
  figure; they are no target.
* ``published_fresh_4.jsonl``: a fourth such set of WORKUP passages only (imaging, laboratory,
  aspiration and culture results) from 21 other reports published in odd years, annotated blind
  and measured once (precision 0.571, recall 0.348, negation 0.067; after the fixes it showed:
  0.850, 0.739, 0.600). Its floors guard those fixes, below the reader's figure; they are no
  target.
* ``published_fresh_5.jsonl``: a fifth such set, presentation (``p5p``) and workup (``p5w``)
  passages from 22 other reports published in years ending in 1, 5 or 9, annotated blind and
  measured once (precision 0.857, recall 0.637, negation 0.500; after the fixes it showed:
  0.945, 0.841, 0.776). Its floors guard those fixes, below the reader's figure; they are no
  target.
* ``published_fresh_6.jsonl``: a sixth such set (``p6p``, ``p6w``) from 28 other reports
  published in years ending in 3 or 7, annotated blind by a collector while the fifth set's fixes
  were being made, and kept from whoever fixed the reader: the honest test of those fixes
  (precision / recall 0.822 / 0.689 at the session's start, 0.827 / 0.695 after them). Nobody
  has fixed the reader on it; its floors are a regression guard below that figure. (In
  session 11 one reading change was reverted after its totals fell.)
* ``published_fresh_7.jsonl``: a seventh such set (``p7p``, ``p7w``) from 34 other reports
  published in odd years, annotated blind in session 11 after that session's work-up fixes and
  measured once (precision 0.851, recall 0.691, negation 0.556; work-up passages 0.742 /
  0.500). Nobody has fixed the reader on it; its floors are a regression guard below that figure.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import hipdx
from hipdx.evaluation import source_addresses
from hipdx.evaluation._extraction import ExtractionReport, GoldPassage, load_gold, score_extraction
from hipdx.kb.compiled import CompiledKB

GOLD_DIR = Path(__file__).parent / "fixtures" / "gold"
NOTES = GOLD_DIR / "intake_gold.jsonl"
CASE_REPORTS = GOLD_DIR / "case_reports.jsonl"
PUBLISHED = GOLD_DIR / "published_case_reports.jsonl"
FRESH = GOLD_DIR / "published_fresh.jsonl"
FRESH_2 = GOLD_DIR / "published_fresh_2.jsonl"
FRESH_3 = GOLD_DIR / "published_fresh_3.jsonl"
FRESH_4 = GOLD_DIR / "published_fresh_4.jsonl"
FRESH_5 = GOLD_DIR / "published_fresh_5.jsonl"
FRESH_6 = GOLD_DIR / "published_fresh_6.jsonl"
FRESH_7 = GOLD_DIR / "published_fresh_7.jsonl"
FRESH_SETS = [FRESH, FRESH_2, FRESH_3, FRESH_4, FRESH_5, FRESH_6, FRESH_7]
GOLD_SETS = [NOTES, CASE_REPORTS, PUBLISHED, *FRESH_SETS]
#: The least precision, recall and negation accuracy asked of each set.
PRECISION_TARGET = {
    NOTES: 0.90,
    CASE_REPORTS: 0.90,
    PUBLISHED: 0.90,
    FRESH: 0.88,
    FRESH_2: 0.90,
    FRESH_3: 0.90,
    FRESH_4: 0.80,
    FRESH_5: 0.90,
    FRESH_6: 0.78,
    FRESH_7: 0.80,
}
RECALL_TARGET = {
    NOTES: 0.85,
    CASE_REPORTS: 0.85,
    PUBLISHED: 0.85,
    FRESH: 0.87,
    FRESH_2: 0.78,
    FRESH_3: 0.83,
    FRESH_4: 0.70,
    FRESH_5: 0.78,
    FRESH_6: 0.64,
    FRESH_7: 0.64,
}
NEGATION_TARGET = {
    NOTES: 0.95,
    CASE_REPORTS: 0.95,
    PUBLISHED: 0.85,
    FRESH: 0.80,
    FRESH_2: 0.75,
    FRESH_3: 0.75,
    FRESH_4: 0.5,
    FRESH_5: 0.70,
    FRESH_6: 0.65,
    FRESH_7: 0.50,
}
NOT_CURRENT_TARGET = {
    NOTES: 0.75,
    CASE_REPORTS: 0.75,
    PUBLISHED: 0.75,
    FRESH: 0.75,
    FRESH_2: 0.5,
    FRESH_3: 0.5,
    FRESH_4: 0.0,
    FRESH_5: 0.0,
    FRESH_6: 0.0,
    FRESH_7: 0.0,
}


@pytest.fixture(scope="module", params=GOLD_SETS, ids=lambda path: path.stem)
def report(request: pytest.FixtureRequest, kb: CompiledKB) -> tuple[Path, ExtractionReport]:
    gold = load_gold(request.param)
    return request.param, score_extraction(kb, gold, lambda text: hipdx.parse(text).case)


def _numbers(gold: list[GoldPassage]) -> int:
    """How many answers are numbers (not truth values)."""
    return sum(
        isinstance(v, (int, float)) and not isinstance(v, bool)
        for p in gold
        for v in p.expected.values()
    )


def _annotations(gold: list[GoldPassage]) -> tuple[int, int, int]:
    mentions = sum(len(p.expected) + len(p.not_current) for p in gold)
    negated = sum(1 for p in gold for v in p.expected.values() if v is False)
    return mentions, negated, sum(len(p.not_current) for p in gold)


@pytest.mark.parametrize("path", GOLD_SETS, ids=lambda path: path.stem)
def test_every_annotated_finding_is_in_the_kb(path: Path, kb: CompiledKB) -> None:
    for passage in load_gold(path):
        for finding in [*passage.expected, *passage.not_current]:
            assert kb.has_finding(finding), f"{passage.id}: {finding} is not in the KB"


def test_the_notes_gold_set_is_large_and_varied_enough() -> None:
    gold = load_gold(NOTES)
    mentions, negated, not_current = _annotations(gold)
    assert len(gold) >= 60 and mentions >= 200
    assert negated >= 30 and not_current >= 5
    assert {p.style for p in gold} == {"clinician", "patient"}


def test_the_case_report_gold_set_is_large_and_varied_enough() -> None:
    gold = load_gold(CASE_REPORTS)
    mentions, negated, not_current = _annotations(gold)
    assert len(gold) >= 25 and mentions >= 150
    assert negated >= 30 and not_current >= 5
    assert {p.style for p in gold} == {"case_report", "workup"}
    assert sum(p.style == "workup" for p in gold) >= 15


def test_the_published_case_report_gold_set_is_large_and_varied_enough() -> None:
    gold = load_gold(PUBLISHED)
    mentions, negated, _ = _annotations(gold)
    assert len(gold) >= 60 and mentions >= 300 and negated >= 100
    assert {p.style for p in gold} == {"case_report", "workup"}
    assert all(p.source for p in gold)


@pytest.mark.parametrize(
    ("path", "prefix", "passages", "least_negated"),
    [(FRESH, "pf", 45, 50), (FRESH_2, "pg", 40, 50), (FRESH_3, "ph", 50, 40)],
    ids=["first", "second", "third"],
)
def test_each_fresh_published_gold_set_is_large_and_varied_enough(
    path: Path, prefix: str, passages: int, least_negated: int
) -> None:
    """Passages from at least 20 published reports outside the corpus, each with its address,
    numbered in order; no two fresh sets share a report."""
    gold = load_gold(path)
    mentions, negated, _ = _annotations(gold)
    assert len(gold) >= passages and mentions >= 250 and negated >= least_negated
    assert {p.style for p in gold} == {"case_report", "workup"}
    assert all("http" in p.source for p in gold)
    assert len({p.source for p in gold}) >= 20
    assert [p.id for p in gold] == [f"{prefix}{i:02d}" for i in range(1, len(gold) + 1)]


def test_the_fourth_fresh_set_is_workup_only_and_varied_enough() -> None:
    """At least 40 imaging and laboratory passages from at least 20 reports, with addresses,
    absences and numbers among their annotations."""
    gold = load_gold(FRESH_4)
    mentions, negated, _ = _annotations(gold)
    assert len(gold) >= 40 and mentions >= 60 and negated >= 10
    assert {p.style for p in gold} == {"workup"}
    assert all("http" in p.source for p in gold)
    assert len({p.source for p in gold}) >= 20
    assert _numbers(gold) >= 8
    assert [p.id for p in gold] == [f"pw{i:02d}" for i in range(1, len(gold) + 1)]


def test_the_fifth_fresh_set_is_large_and_varied_enough() -> None:
    """Presentation and workup passages from at least 20 reports, with addresses, absences and
    numbers among their annotations, each style numbered in order."""
    gold = load_gold(FRESH_5)
    mentions, negated, _ = _annotations(gold)
    assert len(gold) >= 60 and mentions >= 200 and negated >= 40
    assert {p.style for p in gold} == {"case_report", "workup"}
    assert all("http" in p.source for p in gold)
    assert len({p.source for p in gold}) >= 20
    assert _numbers(gold) >= 20
    for style, prefix in (("case_report", "p5p"), ("workup", "p5w")):
        ids = [p.id for p in gold if p.style == style]
        assert ids == [f"{prefix}{i:02d}" for i in range(1, len(ids) + 1)]


@pytest.mark.parametrize(
    ("path", "prefix", "absences"), [(FRESH_6, "p6", 50), (FRESH_7, "p7", 30)], ids=["6", "7"]
)
def test_the_sixth_and_seventh_fresh_sets_are_large_and_varied_enough(
    path: Path, prefix: str, absences: int
) -> None:
    """Presentation and workup passages from at least 25 reports, at most four a report, with
    addresses, absences and numbers among their annotations, each style numbered in order."""
    gold = load_gold(path)
    mentions, negated, _ = _annotations(gold)
    assert len(gold) >= 60 and mentions >= 250 and negated >= absences and _numbers(gold) >= 30
    assert {p.style for p in gold} == {"case_report", "workup"}
    assert all(source_addresses(p.source) for p in gold)  # an address, a DOI or a PMID
    reports = [p.source for p in gold]
    assert len(set(reports)) >= 25 and max(reports.count(r) for r in reports) <= 4
    for style, kind in (("case_report", "p"), ("workup", "w")):
        ids = [p.id for p in gold if p.style == style]
        assert ids == [f"{prefix}{kind}{i:02d}" for i in range(1, len(ids) + 1)]


def _addresses(path: Path) -> set[str]:
    return {a for p in load_gold(path) for a in source_addresses(p.source)}


def test_the_fresh_sets_share_no_report() -> None:
    sources = [{p.source for p in load_gold(path)} for path in FRESH_SETS]
    addresses = [_addresses(path) for path in FRESH_SETS]
    for i, first in enumerate(sources):
        for j in range(i + 1, len(sources)):
            assert not first & sources[j]
            assert not addresses[i] & addresses[j]


def test_precision_reaches_the_target_of_its_set(report: tuple[Path, ExtractionReport]) -> None:
    path, scores = report
    assert scores.overall.precision >= PRECISION_TARGET[path], scores.errors


def test_recall_reaches_the_target_of_its_set(report: tuple[Path, ExtractionReport]) -> None:
    path, scores = report
    assert scores.overall.recall >= RECALL_TARGET[path], scores.errors


def test_negated_mentions_are_read_as_absent(report: tuple[Path, ExtractionReport]) -> None:
    path, scores = report
    assert scores.negation_accuracy >= NEGATION_TARGET[path], scores.errors


def test_historical_hypothetical_and_family_mentions_are_mostly_not_set(
    report: tuple[Path, ExtractionReport],
) -> None:
    path, scores = report
    assert scores.not_current_accuracy >= NOT_CURRENT_TARGET[path], scores.errors
