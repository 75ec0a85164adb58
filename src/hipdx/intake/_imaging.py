"""Imaging reported as a lesion at a site (``imaging_sites`` in ``language/lexicon.yaml``).

Radiology words a finding's synonyms cannot list one by one: a lesion ("high signal", "a
collection", "fracture") and the site it is at ("the left sacral ala", "the right psoas"), in
either order and a few words apart within one clause. Each site names the finding its lesions
give there; the matcher gets one rule per order and per group of alternatives that differ only
in their last word (all one-word alternatives of a list share a rule). Words of a sequence or a
measurement between lesion and site (``fillers``) do not count towards their distance.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from hipdx.kb.compiled import CompiledKB
from hipdx.kb.language import ImagingSites

__all__ = ["IMAGING_SITE", "denied_lesion", "imaging_site_rules", "within_reach"]

Pattern = list[dict[str, Any]]
#: The metadata key that marks a lesion-at-a-site rule.
IMAGING_SITE = "imaging_site"
#: The key of a lesion-at-a-site rule whose lesion is denied right before it ("no", "without").
NEGATED = "negated"
#: The words that deny a lesion named after its site.
_DENIALS = ("no", "without")
#: Two words that deny a lesion named after its site: "the hip and pelvis were negative for
#: fracture", "the pelvis was free of fracture".
_DENIAL_PAIRS = (("negative", "for"), ("free", "of"))
#: The token that carries the denial in a denied lesion-at-a-site match.
_DENYING = frozenset((*_DENIALS, *(first for first, _ in _DENIAL_PAIRS)))


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
            reach = {
                "ends": _words(nlp, [*site.words, *sites.lesions[lesion_name]]),
                "max_between": sites.max_between,
                "fillers": fillers,
            }
            denied = {**reach, NEGATED: True}
            for lesion in _alternatives(nlp, sites.lesions[lesion_name]):
                for place in places:
                    literal = f"{lesion_name} at {site_name}"
                    for first, second in ((lesion, place), (place, lesion)):
                        rules.append(
                            target_rule(
                                literal,
                                finding,
                                pattern=[*first, *gap, *second],
                                metadata={IMAGING_SITE: reach},
                            )
                        )
                    # the site, then the lesion denied ("the hip showed no effusion"): the
                    # negation is inside the match, so the rule says it (`denied_lesion`)
                    rules.append(
                        target_rule(
                            literal,
                            finding,
                            pattern=[*place, *gap, {"LOWER": {"IN": list(_DENIALS)}}, *lesion],
                            metadata={IMAGING_SITE: denied},
                        )
                    )
                    for first_word, second_word in _DENIAL_PAIRS:
                        rules.append(
                            target_rule(
                                literal,
                                finding,
                                pattern=[
                                    *place,
                                    *gap,
                                    {"LOWER": first_word},
                                    {"LOWER": second_word},
                                    {"LOWER": {"IN": ["acute", "any"]}, "OP": "?"},
                                    *lesion,
                                ],
                                metadata={IMAGING_SITE: denied},
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
    lesion and its site, fillers and numbers not counted; True for any other match. The
    lesion and the site are the longest of their words that open and close the match (matches
    with the same bounds share one rule in spaCy's span extensions, whichever matched)."""
    rule = span._.target_rule
    reach = None if rule is None else (rule.metadata or {}).get(IMAGING_SITE)
    if not isinstance(reach, dict):
        return True
    words = tuple(token.lower_ for token in span)
    head = max((len(e) for e in reach["ends"] if words[: len(e)] == e), default=0)
    tail = max((len(e) for e in reach["ends"] if len(e) and words[-len(e) :] == e), default=0)
    fillers = _compiled(reach["fillers"])
    between = words[head : max(head, len(words) - tail)]
    counted = sum(1 for word in between if not fillers.match(word))
    return bool(counted <= reach["max_between"])


def denied_lesion(span: Any) -> Any | None:
    """The denying token of a lesion-at-a-site match whose lesion is denied right before it
    ("the right hip showed no effusion": "no"), or None."""
    rule = span._.target_rule
    reach = None if rule is None else (rule.metadata or {}).get(IMAGING_SITE)
    if not isinstance(reach, dict) or not reach.get(NEGATED):
        return None
    return next((token for token in reversed(span) if token.lower_ in _DENYING), None)


def _words(nlp: Any, phrases: list[str]) -> frozenset[tuple[str, ...]]:
    """Each phrase as its lower-case tokens."""
    return frozenset(tuple(t.lower_ for t in nlp.tokenizer(" ".join(p.split()))) for p in phrases)


def _alternatives(nlp: Any, phrases: list[str]) -> list[Pattern]:
    """One pattern per run of words the phrases share before their last word, its last word any
    of theirs: all one-word phrases are one pattern (a set of words), "marrow oedema" and "marrow
    edema" another."""
    endings: dict[tuple[str, ...], set[str]] = {}
    for phrase in phrases:
        words = [t.lower_ for t in nlp.tokenizer(" ".join(phrase.split()))]
        if words:
            endings.setdefault(tuple(words[:-1]), set()).add(words[-1])
    patterns: list[Pattern] = []
    for start, last in sorted(endings.items(), key=lambda item: (len(item[0]), item[0])):
        tail = {"LOWER": {"IN": sorted(last)}} if len(last) > 1 else {"LOWER": next(iter(last))}
        patterns.append([*({"LOWER": w} for w in start), tail])
    return patterns
