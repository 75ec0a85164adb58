"""Rules over answers (red flags, derived findings), evaluated with three-valued logic."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from collections.abc import Set as AbstractSet

from hipdx.kb.schema import Absent, AllOf, AnyOf, AtLeast, Rule

#: What is known of a finding: True present, False absent, None unknown.
Lookup = Callable[[str], bool | None]


def evaluate(rule: Rule, known: Lookup) -> bool | None:
    """True when the rule holds, False when it cannot hold, None while answers are missing."""
    if isinstance(rule, str):
        return known(rule)
    if isinstance(rule, Absent):
        value = known(rule.absent)
        return None if value is None else not value
    if isinstance(rule, AllOf):
        values = [evaluate(part, known) for part in rule.all]
        if False in values:
            return False
        return True if all(v is True for v in values) else None
    if isinstance(rule, AnyOf):
        values = [evaluate(part, known) for part in rule.any]
        if True in values:
            return True
        return False if all(v is False for v in values) else None
    values = [evaluate(part, known) for part in rule.of]
    return _at_least(rule, values)


def holds(rule: Rule, present: AbstractSet[str], absent: AbstractSet[str]) -> bool:
    """Whether the rule holds for sure (`evaluate` is True): the same logic, stopping at the
    first part that decides it."""
    if isinstance(rule, str):
        return rule in present
    if isinstance(rule, Absent):
        return rule.absent in absent
    if isinstance(rule, AllOf):
        return all(holds(part, present, absent) for part in rule.all)
    if isinstance(rule, AnyOf):
        return any(holds(part, present, absent) for part in rule.any)
    return sum(holds(part, present, absent) for part in rule.of) >= rule.at_least


def _at_least(rule: AtLeast, values: list[bool | None]) -> bool | None:
    present = values.count(True)
    if present >= rule.at_least:
        return True
    if present + values.count(None) < rule.at_least:
        return False
    return None


def rule_findings(rule: Rule) -> Iterator[str]:
    """Every finding id a rule mentions."""
    if isinstance(rule, str):
        yield rule
    elif isinstance(rule, Absent):
        yield rule.absent
    else:
        parts = (
            rule.all
            if isinstance(rule, AllOf)
            else rule.any
            if isinstance(rule, AnyOf)
            else rule.of
        )
        for part in parts:
            yield from rule_findings(part)
