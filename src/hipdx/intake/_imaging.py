"""Imaging reported as a lesion at a site (``imaging_sites`` in ``language/lexicon.yaml``).

Radiology words a finding's synonyms cannot list one by one: a lesion ("high signal", "a
collection", "fracture") and the site it is at ("the left sacral ala", "the right psoas"), in
either order and a few words apart within one clause. Each site names the finding its lesions
give there; the matcher gets one rule per order and per multi-word alternative, the one-word
alternatives of a list sharing a rule.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from hipdx.kb.compiled import CompiledKB
from hipdx.kb.language import ImagingSites

__all__ = ["IMAGING_SITE", "imaging_site_rules", "within_reach"]

Pattern = list[dict[str, Any]]
#: The metadata key that marks a lesion-at-a-site rule.
IMAGING_SITE = "imaging_site"


def imaging_site_rules(
    nlp: Any, kb: CompiledKB, sites: ImagingSites, target_rule: Any
) -> list[Any]:
    """Target rules for every (lesion, site) pair whose finding the knowledge base has."""
    gap = _gap(sites)
    fillers = _filler_pattern(sites)
    rules = []
    for site_name, site in sites.sites.items():
        places = _alternatives(nlp, site.words)
        for lesion_name, finding in site.findings.items():
            if not kb.has_finding(finding) or kb.finding(finding).numeric is not None:
                continue
            for lesion in _alternatives(nlp, sites.lesions[lesion_name]):
                for place in places:
                    literal = f"{lesion_name} at {site_name}"
                    for first, second in ((lesion, place), (place, lesion)):
                        reach = {
                            "head": len(first),
                            "tail": len(second),
                            "max_between": sites.max_between,
                            "fillers": fillers,
                        }
                        rules.append(
                            target_rule(
                                literal,
                                finding,
                                pattern=[*first, *gap, *second],
                                metadata={IMAGING_SITE: reach},
                            )
                        )
    return rules


def _gap(sites: ImagingSites) -> Pattern:
    """Up to ``max_between`` words of one clause, and up to ``max_fillers`` more when fillers
    (``fillers``, numbers) are among them: `within_reach` then drops a match that has more than
    ``max_between`` other words between its lesion and its site."""
    stops = sorted({s.lower() for s in sites.stops})
    reach = sites.max_between + (sites.max_fillers if sites.fillers else 0)
    return [{"LOWER": {"NOT_IN": stops}, "OP": f"{{0,{reach}}}"}]


def _filler_pattern(sites: ImagingSites) -> str:
    words = "|".join(re.escape(f.lower()) for f in sorted(set(sites.fillers)))
    return rf"^(?:{words}|[\d.,]*\d[\d.,x×]*)$" if words else r"^[\d.,]*\d[\d.,x×]*$"


@lru_cache(maxsize=8)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def within_reach(span: Any) -> bool:
    """False for a lesion-at-a-site match with more than ``max_between`` words between its
    lesion and its site, fillers and numbers not counted; True for any other match."""
    rule = span._.target_rule
    reach = None if rule is None else (rule.metadata or {}).get(IMAGING_SITE)
    if not isinstance(reach, dict):
        return True
    fillers = _compiled(reach["fillers"])
    between = span[reach["head"] : len(span) - reach["tail"]]
    counted = sum(1 for token in between if not fillers.match(token.lower_))
    return bool(counted <= reach["max_between"])


def _alternatives(nlp: Any, phrases: list[str]) -> list[Pattern]:
    """One pattern for all one-word phrases (a set of words), one per longer phrase."""
    single: set[str] = set()
    longer: list[Pattern] = []
    for phrase in phrases:
        words = [t.lower_ for t in nlp.tokenizer(" ".join(phrase.split()))]
        if len(words) == 1:
            single.add(words[0])
        elif words:
            longer.append([{"LOWER": w} for w in words])
    patterns: list[Pattern] = [[{"LOWER": {"IN": sorted(single)}}]] if single else []
    return patterns + longer
