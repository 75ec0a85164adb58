"""medspaCy's ConText with its modifier rules ("denies", "history of", "was negative") matched
like the targets (`_matcher.RuleMatcher`): only the rules whose required word is in the note.

ConText's own matcher runs every modifier rule's first token at every token of the note, and
was the largest part of reading a short note once the targets were prefiltered. The matches
here are the ones medspaCy's matcher finds, in the order it would give them to its pruning: its
token-pattern rules before its phrase rules (a phrase rule becomes the token pattern of its
words in lower case, which is what medspaCy's phrase matcher compares), then by start, end and
rule. Everything after the matching (scopes, pruning, edges, attributes) is medspaCy's.
"""

from __future__ import annotations

from typing import Any

from medspacy.common.util import prune_overlapping_matches
from medspacy.context import ConText, ConTextRule
from medspacy.context.context_graph import ConTextGraph
from medspacy.context.context_modifier import ConTextModifier
from spacy.language import Language

from hipdx.intake._matcher import RuleMatcher

#: The name the component is registered under with spaCy (`hipdx.intake._parser.CONTEXT`).
FACTORY = "hipdx_context"


class PrefilteredConText(ConText):  # type: ignore[misc]  # medspaCy is untyped
    """ConText whose modifiers are found by a prefiltered matcher."""

    def __init__(self, nlp: Any, name: str, *, input_span_type: str, span_group_name: str):
        super().__init__(
            nlp, name, rules=None, input_span_type=input_span_type, span_group_name=span_group_name
        )
        self._nlp = nlp
        self.modifier_rules: list[Any] = []
        self.modifiers = RuleMatcher(nlp.vocab, "hipdx_modifier")

    def add(self, rules: Any) -> None:
        """Add `ConTextRule`s: medspaCy's checks and defaults, then filed by required word."""
        super().add(rules)
        added = [rules] if isinstance(rules, ConTextRule) else list(rules)
        self.modifier_rules, self.modifiers = _modifier_matcher(
            self._nlp, [*self.modifier_rules, *added]
        )

    def modifier_matches(self, doc: Any) -> list[tuple[Any, int, int]]:
        """(rule, start, end) of each modifier in ``doc``, pruned and ordered as medspaCy's
        matcher gives them."""
        matches = [(position, start, end) for start, end, position in self.modifiers(doc)]
        if self.prune_on_modifier_overlap:
            matches = prune_overlapping_matches(matches)
        return [(self.modifier_rules[position], start, end) for position, start, end in matches]

    def __call__(self, doc: Any, targets: str | None = None) -> Any:
        return _apply(self, doc, targets)


def register() -> None:
    """Register the component with spaCy (once per process)."""
    if not Language.has_factory(FACTORY):
        Language.factory(FACTORY, func=_make)


def _make(nlp: Any, name: str, input_span_type: str, span_group_name: str) -> PrefilteredConText:
    return PrefilteredConText(
        nlp, name, input_span_type=input_span_type, span_group_name=span_group_name
    )


def _modifier_matcher(nlp: Any, rules: list[Any]) -> tuple[list[Any], RuleMatcher]:
    """The rules in medspaCy's matching order (token patterns, then phrases) and a matcher of
    their patterns in that order."""
    ordered = [r for r in rules if isinstance(r.pattern, list)]
    ordered += [r for r in rules if r.pattern is None]
    if len(ordered) != len(rules):
        raise TypeError("regular-expression ConText rules are not supported")
    matcher = RuleMatcher(nlp.vocab, "hipdx_modifier")
    for rule in ordered:
        matcher.add(rule.pattern if rule.pattern is not None else _phrase(nlp, rule.literal))
    return ordered, matcher


def _phrase(nlp: Any, literal: str) -> list[dict[str, Any]]:
    """The token pattern medspaCy's phrase matcher (on LOWER) matches ``literal`` with."""
    return [{"LOWER": token.lower_} for token in nlp.tokenizer(literal.lower())]


def _apply(context: PrefilteredConText, doc: Any, targets: str | None) -> Any:
    """medspaCy's `ConText.__call__` (1.3), the matches taken from the prefiltered matcher."""
    if targets:
        spans = getattr(doc._, targets)
    elif context.input_span_type == "ents":
        spans = doc.ents
    else:
        spans = doc.spans[context.span_group_name]
    graph = ConTextGraph(prune_on_modifier_overlap=context.prune_on_target_overlap)
    graph.targets = spans
    graph.modifiers = []
    for rule, start, end in context.modifier_matches(doc):
        graph.modifiers.append(ConTextModifier(rule, start, end, doc, max_scope=context.max_scope))
    graph.update_scopes()
    graph.apply_modifiers()
    for target, modifier in graph.edges:
        target._.modifiers += (modifier,)
    if context.context_attributes_mapping:
        context.set_context_attributes(graph.edges)
    doc._.context_graph = graph
    return doc
