"""Imaging reported as a lesion at a site (``imaging_sites`` in ``language/lexicon.yaml``).

Radiology words a finding's synonyms cannot list one by one: a lesion ("high signal", "a
collection", "fracture") and the site it is at ("the left sacral ala", "the right psoas"), in
either order and a few words apart within one clause. Each site names the finding its lesions
give there; the matcher gets one rule per order and per multi-word alternative, the one-word
alternatives of a list sharing a rule.
"""

from __future__ import annotations

from typing import Any

from hipdx.kb.compiled import CompiledKB
from hipdx.kb.language import ImagingSites

__all__ = ["IMAGING_SITE", "imaging_site_rules"]

Pattern = list[dict[str, Any]]
#: The metadata key that marks a lesion-at-a-site rule.
IMAGING_SITE = "imaging_site"


def imaging_site_rules(
    nlp: Any, kb: CompiledKB, sites: ImagingSites, target_rule: Any
) -> list[Any]:
    """Target rules for every (lesion, site) pair whose finding the knowledge base has."""
    between = {"LOWER": {"NOT_IN": sorted({s.lower() for s in sites.stops})}}
    gap = {**between, "OP": f"{{0,{sites.max_between}}}"}
    rules = []
    for site_name, site in sites.sites.items():
        places = _alternatives(nlp, site.words)
        for lesion_name, finding in site.findings.items():
            if not kb.has_finding(finding) or kb.finding(finding).numeric is not None:
                continue
            for lesion in _alternatives(nlp, sites.lesions[lesion_name]):
                for place in places:
                    literal = f"{lesion_name} at {site_name}"
                    for pattern in ([*lesion, gap, *place], [*place, gap, *lesion]):
                        rules.append(
                            target_rule(
                                literal, finding, pattern=pattern, metadata={IMAGING_SITE: True}
                            )
                        )
    return rules


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
