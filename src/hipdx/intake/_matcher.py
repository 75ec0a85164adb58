"""The target matcher, prefiltered by the note's words: matching work grows with the note, not
with the lexicon.

medspaCy's target matcher holds every rule (about 4,200 rules, several thousand token patterns)
in one spaCy `Matcher`, which tries each pattern's first token at every token of the note: a
short note cost ~30 ms, almost all of it on rules whose words it does not contain. Here each rule
is filed under a word it *requires* (`required_words`: a token every match must have), and a note
is matched only against the rules filed under its own words, plus the few with no required word.
A rule filed elsewhere cannot match the note (its required token is not there), so the matches
are exactly the full matcher's; they are put in one fixed order (start, end, rule), which the
identity check (``bench/bench_reader.py --check``) shows changes no output.

One spaCy `Matcher` per word is built on first use and kept, so repeated words cost nothing.
Patterns are added unvalidated (validation was most of the parser's build time); their shapes
are made by `hipdx.intake._pipeline`, and a test validates every pattern of the packaged
knowledge base against spaCy's schema.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

#: The name the component is registered under with spaCy.
FACTORY = "hipdx_target_matcher"
#: The filing key of the rules without a required word: matched against every note.
ALWAYS = frozenset[str]()
#: Token attributes whose literal values pin a token's lower-case form.
_LITERAL_ATTRS = ("LOWER", "ORTH", "TEXT")
_AT_LEAST = re.compile(r"^\{\s*(\d+)\s*(?:,\s*\d*\s*)?\}$")


def required_words(pattern: Sequence[Mapping[str, Any]]) -> frozenset[str]:
    """Lower-case words one of which every match of ``pattern`` contains, or `ALWAYS` when no
    token of it is both required and literal. Of several, the one whose shortest word is
    longest (long words are rarer in notes: "trochanter" before "the"), so that fewer notes
    reach the rule."""
    candidates = [words for spec in pattern if (words := _literal(spec)) is not None]
    if not candidates:
        return ALWAYS
    return max(candidates, key=lambda words: min((len(w) for w in words), default=0))


def _literal(spec: Mapping[str, Any]) -> frozenset[str] | None:
    """The lower-case forms a token matching ``spec`` must have, if it is required (matched at
    least once) and names its text literally; else None."""
    if not _required(spec.get("OP")):
        return None
    for attr in _LITERAL_ATTRS:
        value = spec.get(attr)
        lower = attr == "LOWER"  # a LOWER value is compared as written; others lower-cased
        if isinstance(value, str):
            return frozenset({value if lower else value.lower()})
        if isinstance(value, Mapping) and isinstance(value.get("IN"), list):
            return frozenset(str(v) if lower else str(v).lower() for v in value["IN"])
    return None


def _required(op: object) -> bool:
    """Whether a token with operator ``op`` must occur in every match ("+", none, "{2}",
    "{1,3}"; not "?", "*", "!", "{0,5}", "{,3}")."""
    if op is None or op == "+":
        return True
    found = _AT_LEAST.match(op) if isinstance(op, str) else None
    return found is not None and int(found.group(1)) > 0


@dataclass
class RuleIndex:
    """Patterns (their positions in the order added) filed by their required words."""

    by_key: dict[frozenset[str], list[int]] = field(default_factory=dict)
    keys_by_word: dict[str, list[frozenset[str]]] = field(default_factory=dict)

    def file(self, position: int, key: frozenset[str]) -> None:
        """File the pattern at ``position`` under ``key``."""
        if key not in self.by_key:
            self.by_key[key] = []
            for word in key:
                self.keys_by_word.setdefault(word, []).append(key)
        self.by_key[key].append(position)

    def keys_for(self, words: Iterable[str]) -> list[frozenset[str]]:
        """The keys of the patterns a text with ``words`` may match (`ALWAYS` first when any
        pattern is filed under it), each once, in a fixed order."""
        keys = {key for word in words for key in self.keys_by_word.get(word, ())}
        ordered = sorted(keys, key=lambda key: self.by_key[key][0])
        return [ALWAYS, *ordered] if ALWAYS in self.by_key else ordered


class RuleMatcher:
    """Token patterns, each matched only against the docs that hold its required word: the
    matches of one spaCy `Matcher` holding them all, as (start, end, position) in that
    order. ``prefix`` names this matcher's patterns in the shared vocabulary."""

    def __init__(self, vocab: Any, prefix: str) -> None:
        self._vocab = vocab
        self._prefix = prefix
        self.patterns: list[list[dict[str, Any]]] = []
        self._index = RuleIndex()
        self._matchers: dict[frozenset[str], Any] = {}
        self._positions: dict[int, int] = {}  # match id -> pattern position
        self._lock = threading.Lock()

    def add(self, pattern: list[dict[str, Any]]) -> int:
        """Add ``pattern``; its position."""
        position = len(self.patterns)
        self.patterns.append(pattern)
        self._positions[self._vocab.strings.add(self._key(position))] = position
        key = required_words(pattern)
        self._index.file(position, key)
        self._matchers.pop(key, None)  # rebuilt with it on next use
        return position

    def considered(self, doc: Any) -> list[int]:
        """The positions of the patterns ``doc`` is matched against, in order."""
        keys = self._index.keys_for({token.lower_ for token in doc})
        return sorted(p for key in keys for p in self._index.by_key[key])

    def __call__(self, doc: Any) -> list[tuple[int, int, int]]:
        """(start, end, pattern position) of every match in ``doc``, in that order."""
        found = {
            (start, end, self._positions[match_id])
            for key in self._index.keys_for({token.lower_ for token in doc})
            for match_id, start, end in self._matcher(key)(doc)
        }
        return sorted(found)

    def _matcher(self, key: frozenset[str]) -> Any:
        """The spaCy matcher of the patterns filed under ``key``, built on first use."""
        matcher = self._matchers.get(key)
        if matcher is None:
            with self._lock:
                matcher = self._matchers.get(key)
                if matcher is None:
                    matcher = self._build(self._index.by_key[key])
                    self._matchers[key] = matcher
        return matcher

    def _build(self, positions: list[int]) -> Any:
        from spacy.matcher import Matcher

        matcher = Matcher(self._vocab, validate=False)
        for position in positions:
            matcher.add(self._key(position), [self.patterns[position]])
        return matcher

    def _key(self, position: int) -> str:
        return f"{self._prefix}_{position}"


class PrefilteredMatcher:
    """A spaCy pipeline component with medspaCy's `TargetMatcher` results ("group" result
    type, no pruning): one span per match, labelled with its rule's category and carrying the
    rule in ``span._.target_rule``, in the span group ``span_group_name``."""

    def __init__(self, nlp: Any, name: str = FACTORY, *, span_group_name: str) -> None:
        self.name = name
        self.span_group_name = span_group_name
        self._nlp = nlp
        self._rules: list[Any] = []
        self._patterns = RuleMatcher(nlp.vocab, "hipdx_rule")

    @property
    def rules(self) -> list[Any]:
        """The rules, in the order added."""
        return list(self._rules)

    def add(self, rules: Iterable[Any]) -> None:
        """Add medspaCy `TargetRule`s with token patterns (a list of token specs)."""
        for rule in rules:
            if not isinstance(rule.pattern, list):
                raise TypeError(f"rule {rule.literal!r}: only token patterns are supported")
            self._patterns.add(rule.pattern)
            self._rules.append(rule)

    def make_doc(self, text: str) -> Any:
        """``text`` tokenized as the pipeline does, not yet matched."""
        return self._nlp.make_doc(text)

    def considered(self, doc: Any) -> list[int]:
        """The positions of the rules ``doc`` is matched against, in order."""
        return self._patterns.considered(doc)

    def matches(self, doc: Any) -> list[tuple[int, int, int]]:
        """(start, end, rule position) of every match in ``doc``, in that order; a phrase with a
        gloss in brackets inside it ("white blood cell (WBC) count", "saddle (perineal)
        anaesthesia") matches as if the gloss were not there (`with_glosses`)."""
        return with_glosses(doc, self._patterns)

    def __call__(self, doc: Any) -> Any:
        spans = [self._span(doc, *match) for match in self.matches(doc)]
        if self.span_group_name in doc.spans:
            doc.spans[self.span_group_name] += spans
        else:
            doc.spans[self.span_group_name] = spans
        return doc

    def pipe(self, docs: Iterable[Any], batch_size: int = 128) -> Iterator[Any]:
        """Each doc through `__call__` (the matchers are shared across the batch)."""
        for doc in docs:
            yield self(doc)

    def _span(self, doc: Any, start: int, end: int, position: int) -> Any:
        from spacy.tokens import Span

        rule = self._rules[position]
        span = Span(doc, start=start, end=end, label=rule.category)
        span._.target_rule = rule
        for attribute, value in (rule.attributes or {}).items():
            setattr(span._, attribute, value)
        return span


#: The most words a gloss in brackets inside a phrase holds ("(RLQ)", "(perineal)").
_GLOSS_WORDS = 3


def with_glosses(
    doc: Any, match: Callable[[Any], list[tuple[int, int, int]]]
) -> list[tuple[int, int, int]]:
    """``match``'s (start, end, position) matches in ``doc``, and those it finds in ``doc``
    without its glosses (`without_glosses`) that span one, mapped back to ``doc`` (the span
    holds the gloss), in one order."""
    found = match(doc)
    view = without_glosses(doc)
    if view is None:
        return found
    glossed, index = view
    extra = {
        (index[start], index[end - 1] + 1, position)
        for start, end, position in match(glossed)
        if index[end - 1] + 1 - index[start] != end - start  # it spans a gloss
    }
    return sorted(set(found) | extra)


def without_glosses(doc: Any) -> tuple[Any, list[int]] | None:
    """``doc`` without the glosses in brackets that stand between two words ("lower quadrant
    (RLQ) abdominal pain") and without quotation marks ("she felt a 'snap'" is "she felt a
    snap"): a new doc of the other tokens and, for each of its tokens, its index in ``doc``; None
    when ``doc`` has neither. A gloss is one to three words (letters and hyphens, no result or
    negation word: "(negative)" is a result, "(4/5)" a grade) between an opening and a closing
    bracket, with a word right before and right after it. A quotation mark is a token of its own
    (an apostrophe inside a word, "patient's", is not)."""
    if "(" not in doc.text and not _QUOTES.search(doc.text):
        return None
    from spacy.tokens import Doc

    results = _result_words()
    dropped: set[int] = {t.i for t in doc if t.text in _QUOTE_TOKENS}
    i = 1
    while i < len(doc) - 1:
        if doc[i].text == "(" and doc[i - 1].is_alpha:
            reach = range(i + 1, min(i + _GLOSS_WORDS + 2, len(doc)))
            close = next((j for j in reach if doc[j].text == ")"), None)
            inside = doc[i + 1 : close] if close is not None else ()
            if (
                close is not None
                and close + 1 < len(doc)
                and doc[close + 1].is_alpha
                and len(inside) > 0
                and all(re.fullmatch(r"[A-Za-z][A-Za-z-]*", t.text) for t in inside)
                and not any(t.lower_ in results for t in inside)
            ):
                dropped.update(range(i, close + 1))
                i = close + 1
                continue
        i += 1
    if not dropped:
        return None
    kept = [t.i for t in doc if t.i not in dropped]
    spaces = [bool(doc[k].whitespace_) or k + 1 in dropped for k in kept]
    return Doc(doc.vocab, words=[doc[k].text for k in kept], spaces=spaces), kept


#: Quotation marks, straight and curly, as tokens of their own: matched through as if absent.
_QUOTE_TOKENS = frozenset({"'", '"', "\u2018", "\u2019", "\u201c", "\u201d", "``", "''"})
_QUOTES = re.compile("[\"'\u2018\u2019\u201c\u201d]")


@lru_cache(maxsize=1)
def _result_words() -> frozenset[str]:
    """Words that make a bracket a result, not a gloss ("(negative)", "(absent)")."""
    from hipdx.intake._context import context_words

    words = context_words()
    return frozenset(words.positive | words.negative | {"no", "not", "none", "nil", "absent"})


def register() -> None:
    """Register the component with spaCy (once per process)."""
    from spacy.language import Language

    if not Language.has_factory(FACTORY):
        Language.factory(FACTORY, default_config={"span_group_name": "hipdx_findings"}, func=_make)


def _make(nlp: Any, name: str, span_group_name: str) -> PrefilteredMatcher:
    return PrefilteredMatcher(nlp, name, span_group_name=span_group_name)
