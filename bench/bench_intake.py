"""Intake: extraction quality on the gold sets, and parse speed against a plain-regex baseline.

Nine gold sets: ``intake_gold.jsonl`` (short notes and patients' own words),
``case_reports.jsonl`` (passages in the style of published case reports: long presentation
paragraphs and separate imaging/laboratory "workup" paragraphs), ``published_case_reports.jsonl``
(passages taken word for word from the published reports of the development corpus) and
``published_fresh.jsonl`` (passages from published case reports outside the project's corpus,
annotated before the reader was run on them: the reader's figure on text it was not tuned on) and
``published_fresh_2.jsonl`` (a second such set from other reports, annotated blind after the fixes
made on the first: the honest test of those fixes) and ``published_fresh_3.jsonl`` (a third such
set from 28 other reports, all published in odd years, annotated blind after the fixes made on the
first two) and ``published_fresh_4.jsonl`` (a fourth set of workup passages only: imaging,
laboratory and aspiration results from 21 other reports published in odd years, annotated blind)
and ``published_fresh_5.jsonl`` (a fifth set, presentation and workup passages in one file, from
22 other reports published in years ending in 1, 5 or 9, annotated blind) and
``published_fresh_6.jsonl`` (a sixth set from 28 other reports published in years ending in 3 or
7, annotated blind and kept from whoever fixed the reader: the honest test of the fifth set's
fixes) and ``published_fresh_7.jsonl`` (a seventh set from 34 other reports published in odd
years, annotated blind in session 11 after that session's work-up fixes and measured once).
Quality: precision and recall per finding kind and overall, per passage style, for present and
absent answers apart, negation accuracy, and how often historical / hypothetical / family
mentions were (rightly) left unset, for hipdx intake and for the baseline.
The baseline matches the same KB lexicon with one regular expression, with no ConText (so nothing
is negated) and no numbers.

    .venv/bin/python bench/bench_intake.py [--repeat N]
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import hipdx
from hipdx.engine import packaged_knowledge
from hipdx.evaluation._extraction import (
    ExtractionReport,
    GoldPassage,
    load_gold,
    predicted_answers,
    same_answer,
    score_extraction,
)
from hipdx.inference.case import Case
from hipdx.kb.compiled import CompiledKB

ROOT = Path(__file__).parent.parent
GOLD = ROOT / "tests" / "fixtures" / "gold"
GOLD_SETS = {
    "notes": GOLD / "intake_gold.jsonl",
    "case reports": GOLD / "case_reports.jsonl",
    "published case reports": GOLD / "published_case_reports.jsonl",
    "fresh published case reports": GOLD / "published_fresh.jsonl",
    "second fresh published case reports": GOLD / "published_fresh_2.jsonl",
    "third fresh published case reports": GOLD / "published_fresh_3.jsonl",
    "fourth fresh set: workup passages": GOLD / "published_fresh_4.jsonl",
    "fifth fresh set": GOLD / "published_fresh_5.jsonl",
    "sixth fresh set (unseen by this session's fixes)": GOLD / "published_fresh_6.jsonl",
    "seventh fresh set (unseen by session 11's fixes)": GOLD / "published_fresh_7.jsonl",
}


def regex_baseline() -> Callable[[str], Case]:
    """Keyword matching: every lexicon phrase found sets its finding present."""
    lexicon = hipdx.default_engine().parser.lexicon
    owner = {t.phrase.lower(): t.finding for t in lexicon.terms}
    phrases = sorted(owner, key=len, reverse=True)
    pattern = re.compile(
        r"(?<![a-z])(?:" + "|".join(re.escape(p) for p in phrases) + r")(?![a-z])", re.IGNORECASE
    )

    def parse(text: str) -> Case:
        found = {owner[m.group(0).lower()]: True for m in pattern.finditer(text)}
        return Case(findings={f: v for f, v in found.items() if not f.startswith("sex_")})

    return parse


def _time(function: Callable[[str], object], texts: list[str], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        for text in texts:
            function(text)
        samples.append((time.perf_counter() - start) / len(texts))
    return statistics.median(samples)


def _print_quality(name: str, report: ExtractionReport) -> None:
    print(f"\n{name}: {report.passages} passages")
    print(f"{'kind':<14}{'precision':>10}{'recall':>9}{'expected':>10}")
    for kind, score in report.by_kind.items():
        print(f"{kind:<14}{score.precision:>10.3f}{score.recall:>9.3f}{score.expected:>10}")
    print(f"negation accuracy: {report.negation_accuracy:.3f} ({report.negated} negated mentions)")
    print(
        f"not-current mentions left unset: {report.not_current_accuracy:.3f} "
        f"({report.not_current} mentions)"
    )


def _print_polarity(gold: list[GoldPassage]) -> None:
    """Precision and recall of present (true or a number) and of absent (false) answers apart."""
    counts = {"present": [0, 0, 0], "absent": [0, 0, 0]}
    for passage in gold:
        predicted = predicted_answers(hipdx.parse(passage.text).case)
        for finding in set(predicted) | set(passage.expected):
            got, wanted = predicted.get(finding), passage.expected.get(finding)
            agrees = wanted is not None and same_answer(got, wanted)
            if got is not None:
                counts["absent" if got is False else "present"][1] += 1
            if wanted is not None:
                counts["absent" if wanted is False else "present"][2] += 1
                counts["absent" if wanted is False else "present"][0] += agrees
    for name, (right, predicted, expected) in counts.items():
        precision = right / predicted if predicted else 1.0
        recall = right / expected if expected else 1.0
        print(
            f"  {name:<8} precision {precision:.3f} ({predicted})  recall {recall:.3f} ({expected})"
        )


def _print_styles(kb: CompiledKB, gold: list[GoldPassage]) -> None:
    for style in sorted({p.style for p in gold}):
        passages = [p for p in gold if p.style == style]
        report = score_extraction(kb, passages, lambda t: hipdx.parse(t).case)
        print(
            f"  style {style:<12} {len(passages):>3} passages  precision "
            f"{report.overall.precision:.3f}  recall {report.overall.recall:.3f}  negation "
            f"{report.negation_accuracy:.3f} ({report.negated})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    kb = packaged_knowledge()
    start = time.perf_counter()
    _ = hipdx.default_engine().parser
    build = time.perf_counter() - start
    baseline = regex_baseline()
    texts: list[str] = []
    for name, path in GOLD_SETS.items():
        gold = load_gold(path)
        texts.extend(p.text for p in gold)
        print(f"\n=== gold set: {name} ({path.name}) ===")
        intake = score_extraction(kb, gold, lambda t: hipdx.parse(t).case)
        _print_quality("hipdx intake", intake)
        _print_styles(kb, gold)
        _print_polarity(gold)
        _print_quality("regex baseline (no ConText)", score_extraction(kb, gold, baseline))
    t_intake = _time(lambda t: hipdx.parse(t), texts, args.repeat)
    t_regex = _time(baseline, texts, args.repeat)
    print(f"\npipeline build (once per process): {build * 1e3:.0f} ms")
    print(f"{'parse speed, median per passage':<40}{'':>4}")
    print(f"{'hipdx intake (medspaCy + ConText)':<40}{t_intake * 1e3:>8.2f} ms")
    print(f"{'regex keyword baseline':<40}{t_regex * 1e3:>8.3f} ms")
    print(f"ratio intake / baseline: {t_intake / t_regex:.1f}x")


if __name__ == "__main__":
    main()
