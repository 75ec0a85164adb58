"""The spaCy pipeline: medspaCy's tokenizer, hipdx's prefiltered target matcher (`_matcher`),
medspaCy's ConText, with spaCy's sentencizer (and a line break ends a sentence too).

Offline, no model: a blank English pipeline plus rules. The finding phrases come from the
`Lexicon`; the ConText rules (negation, history, hypothetical, family, uncertainty) from
``knowledge/language/context_rules.json``. Building it takes a fraction of a second, so a
`Parser` builds it once and keeps it.
"""

from __future__ import annotations

import re
import warnings
from importlib import resources
from typing import Any

from hipdx.intake._context import context_words
from hipdx.intake._imaging import imaging_site_rules
from hipdx.intake._lexicon import GAP, NUMBER, AnalyteRules, Lexicon
from hipdx.intake._matcher import FACTORY as MATCHER
from hipdx.intake._matcher import register as register_matcher
from hipdx.kb.compiled import CompiledKB
from hipdx.kb.language import CONTEXT_RULES, ImagingSites
from hipdx.kb.loader import packaged_language

#: Determiners that stand for each other inside a phrase.
_DETERMINERS = frozenset({"the", "my", "her", "his", "their", "your", "its"})
#: Side words that may follow a determiner in the text but not in the phrase ("the hip" ~ "my
#: right hip").
_SIDES = ("left", "right")
#: A spinal level that may follow a determiner in the text but not in the phrase ("collapse of the
#: vertebral body" ~ "collapse of the T12 vertebral body").
_SPINAL_LEVEL = r"^[ctls]\d{1,2}(?:-[ctls]?\d{1,2})?$"
#: Prepositions that stand for each other inside a phrase ("haematoma in the iliacus" ~ "haematoma
#: within the left iliacus", "tenderness at the AIIS" ~ "tenderness over the AIIS").
_PREPOSITIONS = (frozenset({"in", "within"}), frozenset({"at", "over"}))
#: A number in the text, in digits or words, hyphenated or not ("40", "sixty five", "sixty-five").
_NUMBER_TOKENS: list[dict[str, Any]] = [
    {"LIKE_NUM": True},
    {"ORTH": "-", "OP": "?"},
    {"LIKE_NUM": True, "OP": "?"},
]
#: Where the target matcher puts its matches (a span group, so matches may overlap).
SPAN_GROUP = "hipdx_findings"
#: The component that starts a sentence after a line break.
LINE_BREAKS = "hipdx_line_breaks"
#: The metadata key that marks a test-and-analyte rule ("urine dipstick negative for blood").
ANALYTE = "analyte"


def build_pipeline(
    lexicon: Lexicon,
    analytes: AnalyteRules | None = None,
    imaging: tuple[CompiledKB, ImagingSites] | None = None,
) -> Any:
    """A medspaCy pipeline that finds the lexicon's phrases (tests named with what they look
    for, ``analytes``; lesions named with their site, ``imaging``) and their ConText modifiers."""
    medspacy, context_rule, target_rule = _import_medspacy()

    nlp = medspacy.load(medspacy_enable=["medspacy_tokenizer"], load_rules=False)
    nlp.add_pipe("sentencizer")
    _register_line_breaks()
    nlp.add_pipe(LINE_BREAKS)
    group = {"span_group_name": SPAN_GROUP}
    register_matcher()
    matcher = nlp.add_pipe(MATCHER, config=group)
    rules = []
    for term in lexicon.terms:
        pattern = _token_pattern(nlp, term.phrase)
        rules.append(target_rule(term.phrase, term.finding, pattern=pattern))
        distributed = _distributed(pattern)
        if distributed is not None:
            rules.append(target_rule(term.phrase, term.finding, pattern=distributed))
    if analytes is not None:
        rules.extend(_analyte_rules(nlp, analytes, target_rule))
    if imaging is not None:
        rules.extend(imaging_site_rules(nlp, *imaging, target_rule))
    matcher.add(rules)
    from hipdx.intake import _modifiers  # imports medspaCy: only once a pipeline is built

    _modifiers.register()
    context = nlp.add_pipe(_modifiers.FACTORY, config={"input_span_type": "group", **group})
    rules_file = packaged_language().joinpath(CONTEXT_RULES)
    with resources.as_file(rules_file) as path:
        context_rules = context_rule.from_json(str(path))
    for rule in context_rules:
        # medspaCy's JSON has no `terminated_by`; our rules carry it in their metadata: a
        # history window ("four years ago") ends where a new clause about now begins ("has").
        ends = (rule.metadata or {}).get("terminated_by", [])
        rule.terminated_by = {category.upper() for category in ends}
    context.add(context_rules)
    return nlp


#: What a line must begin with to start a sentence after a single line break: a capital or a
#: list bullet. A line that goes on in lower case is the same sentence wrapped ("She denies
#: fever,\nnight sweats or weight loss" still denies all three).
_LINE_STARTS = re.compile(r"[A-Z\u2022\u00b7*-]")


def _register_line_breaks() -> None:
    """The component that ends a sentence at a line break ("No fever, no UTI symptoms" on one
    line and "Clinical examination shows tenderness at RIF" on the next are two sentences: the
    first line's negations do not reach the second), registered once. A blank line always ends
    one; a single line break only before a capital or a bullet, since pasted text is often
    wrapped in mid-sentence."""
    from spacy.language import Language

    if Language.has_factory(LINE_BREAKS):
        return

    def line_breaks(doc: Any) -> Any:
        for token in doc[:-1]:
            if not (token.is_space and "\n" in token.text):
                continue
            following = doc[token.i + 1]
            if token.text.count("\n") > 1 or _LINE_STARTS.match(following.text):
                following.is_sent_start = True
        return doc

    Language.component(LINE_BREAKS, func=line_breaks)


def _analyte_rules(nlp: Any, analytes: AnalyteRules, target_rule: Any) -> list[Any]:
    """One rule per test and analyte of each finding: the test's words, up to ``max_between``
    result, verb and other-analyte words or numbers, then the analyte's ("urinalysis was
    negative for leukocytes and blood"). Marked with `ANALYTE` in their metadata."""
    words = context_words()
    every = {a for test in analytes.findings.values() for a in test.analytes}
    gap = sorted(
        {w.lower() for w in (*analytes.between, *analytes.absent_words, *analytes.shows)}
        | words.positive
        | words.negative
        | {t.lower_ for phrase in every for t in nlp.tokenizer(phrase)}
    )
    # (and numbers: "urinalysis showed 5 to 10 WBCs", "a dipstick with 3-20 erythrocytes")
    words_or_numbers = "|".join(re.escape(w) for w in gap)
    between = {
        "LOWER": {"REGEX": rf"^(?:{words_or_numbers}|\d[\d.,/-]*)$"},
        "OP": f"{{0,{analytes.max_between}}}",
    }
    rules = []
    for finding, test in analytes.findings.items():
        for name in test.tests:
            for analyte in test.analytes:
                pattern = [
                    *({"LOWER": t.lower_} for t in nlp.tokenizer(name)),
                    between,
                    *({"LOWER": t.lower_} for t in nlp.tokenizer(analyte)),
                ]
                literal = f"{name} ... {analyte}"
                rules.append(
                    target_rule(literal, finding, pattern=pattern, metadata={ANALYTE: True})
                )
    return rules


def _import_medspacy() -> tuple[Any, Any, Any]:
    """medspaCy and its rule classes, quietly: spaCy 3.7 imports a deprecated part of Click, and
    PyRuSH logs every sentence unless told not to."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=".*split_arg_string.*", category=DeprecationWarning
        )
        from loguru import logger

        logger.disable("PyRuSH")
        import medspacy
        from medspacy.context import ConTextRule
        from medspacy.ner import TargetRule
    return medspacy, ConTextRule, TargetRule


def _token_pattern(nlp: Any, phrase: str) -> list[dict[str, Any]]:
    """Match the phrase's tokens case-insensitively, with light morphology: any possessive for
    "the" ("the hip" ~ "my hip"), an optional side after a determiner or before the last word
    ("the hip" ~ "her left hip", "decreased hip internal rotation" ~ "decreased right hip
    internal rotation"), a spinal
    level after a determiner ("the T12 vertebral body"), "in" ~
    "within", other forms of a last word or an -ing word, and the predicate flexibility of
    `_copula`. ``<n>`` stands for a number ("40", "sixty-five")."""
    words = [
        word
        for part in re.split(f"({re.escape(NUMBER)}|{re.escape(GAP)})", phrase)
        for word in (
            [part] if part in (NUMBER, GAP) else [t.lower_ for t in nlp.tokenizer(part.strip())]
        )
    ]
    copulas = sorted(context_words().copulas)
    pattern: list[dict[str, Any]] = []
    for index, word in enumerate(words):
        previous = words[index - 1] if index else None
        last = index == len(words) - 1
        sided = previous in _DETERMINERS or bool(index and previous not in copulas)
        if sided and word not in _SIDES and previous not in _SIDES:
            pattern.append({"LOWER": {"IN": list(_SIDES)}, "OP": "?"})
        if previous in _DETERMINERS:
            pattern.extend(_spinal_levels())
        if index and word in copulas:
            pattern.extend(_copula(copulas))
            continue
        if word == GAP:  # a few words of the same clause
            pattern.append({"LOWER": {"NOT_IN": [".", ";", ":", "!", "?"]}, "OP": "{0,5}"})
            continue
        if word == NUMBER:
            qualifiers = sorted(context_words().number_qualifiers)
            if qualifiers:  # "runs up to 50 miles", "running about 60 km"
                pattern.append({"LOWER": {"IN": qualifiers}, "OP": "{0,2}"})
            pattern.extend(_NUMBER_TOKENS)
            continue
        forms = _forms(word, last=index == len(words) - 1)
        if previous in copulas:
            forms = sorted({*forms, *(f"non{form}" for form in forms)})
        pattern.append({"LOWER": {"IN": forms}} if len(forms) > 1 else {"LOWER": word})
        if not last:
            pattern.extend(_fillers(word))
    return pattern


def _spinal_levels() -> list[dict[str, Any]]:
    """An optional spinal level, or two joined ("the L5 dermatome", "the L3 and L4
    dermatomes"), after a determiner."""
    level = {"LOWER": {"REGEX": _SPINAL_LEVEL}, "OP": "?"}
    joiners = sorted(context_words().level_joiners)
    if not joiners:
        return [level]
    return [level, {"LOWER": {"IN": joiners}, "OP": "?"}, dict(level)]


def _fillers(word: str) -> list[dict[str, Any]]:
    """Optional words that may follow ``word`` in the text (``word_fillers``: "tenderness to
    palpation over the ASIS" ~ "tenderness over the ASIS"), position by position."""
    fillers = [f.split() for f in context_words().word_fillers.get(word, [])]
    width = max((len(f) for f in fillers), default=0)
    return [
        {"LOWER": {"IN": sorted({f[i] for f in fillers if len(f) > i})}, "OP": "?"}
        for i in range(width)
    ]


def _distributed(pattern: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """The pattern of a phrase opening with a distributive word ("reduced internal rotation")
    with other items coordinated before its rest ("reduced left hip flexion and internal
    rotation"), or None."""
    words = context_words()
    first = pattern[0].get("LOWER") if pattern else None
    if not isinstance(first, str) or first not in words.distributive_words or len(pattern) < 2:
        return None
    stops = sorted(words.distributive_stops | words.copulas | words.copula_negations)
    gap = {"LOWER": {"NOT_IN": stops, "REGEX": r"^(?:[a-z]+|,)$"}, "OP": "{1,5}"}
    return [pattern[0], gap, {"LOWER": {"IN": ["and", "or"]}}, *pattern[1:]]


def _copula(copulas: list[str]) -> list[dict[str, Any]]:
    """ "X is P" also as "X of the right hip was P", "X and Y were P", "X was markedly P", "X was
    only moderately P", "X was not P", "X was non-P": up to five words before the copula (no
    copula, negation or clause break among them), any copula, up to two adverbs, an optional
    negation."""
    stops = [*copulas, "not", "no", "but", "however", "although", "while", "whereas", "."]
    return [
        {"LOWER": {"NOT_IN": stops}, "IS_PUNCT": False, "OP": "{0,5}"},
        {"LOWER": {"IN": copulas}},
        {"LOWER": {"REGEX": "^(?:only|[a-z]{3,}ly)$"}, "OP": "{0,2}"},
        {"LOWER": {"IN": sorted(context_words().copula_negations)}, "OP": "?"},
        {"ORTH": "-", "OP": "?"},
    ]


def _forms(word: str, *, last: bool) -> list[str]:
    if not last and word in context_words().word_forms:
        return sorted({word, *context_words().word_forms[word]})
    if word in _DETERMINERS:
        return sorted(_DETERMINERS)
    for prepositions in _PREPOSITIONS:
        if word in prepositions:
            return sorted(prepositions)
    forms = {word, *_spellings(word)}
    if word.isalpha() and word.endswith("ing") and len(word) > 5:
        stem = word[:-3]
        forms |= {stem, f"{stem}s", f"{stem}es", f"{stem}ed"}
    if last and word.isalpha() and len(word) > 2:
        forms |= {f"{f}{end}" for f in set(forms) for end in ("s", "es")}
    return sorted(forms)


def _spellings(word: str) -> set[str]:
    """The word's other spellings (``spellings`` in context_words.yaml: British to American,
    "oedema" ~ "edema", "caecal" ~ "cecal", "tumour" ~ "tumor"), for words of five letters or
    more."""
    if len(word) < 5 or not word.isalpha():
        return set()
    found = set()
    for pattern, replacement in context_words().spellings:
        other = re.sub(pattern, replacement, word)
        if other != word:
            found.add(other)
    return found
