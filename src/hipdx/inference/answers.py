"""Turn a `Case` into answers the engine can use, reporting every problem as an `Issue`.

Numbers set the boolean findings their thresholds name; age and sex set their findings; an
answer of one exclusive group rules the other answers out; derived findings (clusters) follow
from their rules. Contradictions are errors, never silently resolved.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from hipdx._suggest import did_you_mean
from hipdx.inference.case import Case
from hipdx.issues import SHORT, Issue, error, shorten
from hipdx.kb.compiled import CompiledKB
from hipdx.kb.rules import evaluate
from hipdx.kb.schema import Finding

#: The numeric finding that the case's ``age`` sets, and the findings its ``sex`` sets.
AGE_FINDING = "age_years"
SEX_FINDINGS = {"female": "sex_female", "male": "sex_male"}
#: How many unknown finding ids get an issue of their own (the rest are counted in one).
MAX_UNKNOWN_REPORTED = 4


@dataclass(frozen=True)
class Answers:
    """Boolean answers (given and implied) and the numbers they came from."""

    present: frozenset[str]
    absent: frozenset[str]
    values: Mapping[str, float]
    given: frozenset[str]

    def known(self, finding_id: str) -> bool | None:
        if finding_id in self.present:
            return True
        if finding_id in self.absent:
            return False
        return None


def encode(case: Case, kb: CompiledKB) -> tuple[Answers, list[Issue]]:
    """The answers of ``case``, and the problems that make it unusable or doubtful."""
    issues: list[Issue] = []
    state: dict[str, bool] = {}
    values: dict[str, float] = {}
    raw = dict(case.findings)
    if case.age is not None and kb.has_finding(AGE_FINDING):
        _merge_age(raw, case.age, issues)
    if case.sex is not None and case.sex.value in SEX_FINDINGS:
        _set(state, SEX_FINDINGS[case.sex.value], True, "sex", issues, kb)
    unknown = []
    for finding_id, answer in raw.items():
        if kb.has_finding(finding_id):
            _answer(kb, finding_id, answer, state, values, issues)
        else:
            unknown.append(finding_id)
    issues.extend(_unknown_findings(kb, unknown))
    _apply_groups(kb, state, issues)
    _apply_derived(kb, state, issues)
    answers = Answers(
        present=frozenset(f for f, v in state.items() if v),
        absent=frozenset(f for f, v in state.items() if not v),
        values=values,
        given=frozenset(raw),
    )
    return answers, issues


def _merge_age(raw: dict[str, bool | int | float], age: float, issues: list[Issue]) -> None:
    given = raw.get(AGE_FINDING)
    if given is not None and not isinstance(given, bool) and float(given) != age:
        issues.append(
            error(f"findings.{AGE_FINDING}", f"age is {age} but {AGE_FINDING} is {given}")
        )
    raw[AGE_FINDING] = age


def _answer(
    kb: CompiledKB,
    finding_id: str,
    answer: bool | int | float,
    state: dict[str, bool],
    values: dict[str, float],
    issues: list[Issue],
) -> None:
    where = f"findings.{finding_id}"
    spec = kb.finding(finding_id).numeric
    if spec is None:
        if not isinstance(answer, bool):
            issues.append(error(where, f"'{finding_id}' is answered true or false, not {answer!r}"))
            return
        _set(state, finding_id, answer, finding_id, issues, kb)
        return
    if isinstance(answer, bool):
        issues.append(error(where, f"'{finding_id}' is a number in {spec.unit}, not {answer!r}"))
        return
    value = float(answer)
    if not spec.plausible_min <= value <= spec.plausible_max:
        issues.append(
            error(
                where,
                f"{value:g} {spec.unit} is outside the plausible range "
                f"{spec.plausible_min:g}-{spec.plausible_max:g} {spec.unit}",
                "check the value and its unit",
            )
        )
        return
    values[finding_id] = value
    for threshold in spec.derive:
        _set(state, threshold.finding, threshold.contains(value), finding_id, issues, kb)


def _unknown_findings(kb: CompiledKB, finding_ids: list[str]) -> list[Issue]:
    """An issue for each of the first unknown ids (with the closest known ids), then one that
    counts the rest: 2,000 unknown ids are a few lines, not 2,000."""
    issues = [_unknown_finding(kb, f) for f in finding_ids[:MAX_UNKNOWN_REPORTED]]
    rest = finding_ids[MAX_UNKNOWN_REPORTED:]
    if rest:
        examples = ", ".join(repr(shorten(f, 20)) for f in rest[:3])
        issues.append(
            error(
                "findings",
                f"{len(rest):,} more unknown finding ids ({examples}, …)",
                "see `hipdx kb stats` for the known ids",
            )
        )
    return issues


def _unknown_finding(kb: CompiledKB, finding_id: str) -> Issue:
    known = [f.id for f in kb.knowledge.findings]
    groups = {g.id: g for g in kb.knowledge.groups}
    short = shorten(finding_id)
    if len(finding_id) > SHORT:
        return error("findings", f"unknown finding id '{short}'", "check the id")
    if finding_id in groups:
        members = ", ".join(groups[finding_id].members)
        return error(
            f"findings.{finding_id}",
            f"'{finding_id}' is a question; answer one of its options",
            f"set one of {members} to true",
        )
    fix = did_you_mean(finding_id, known, "see `hipdx kb stats` for the known ids")
    return error(f"findings.{finding_id}", f"unknown finding id '{finding_id}'", fix)


def _set(
    state: dict[str, bool],
    finding_id: str,
    value: bool,
    source: str,
    issues: list[Issue],
    kb: CompiledKB,
) -> None:
    if finding_id in state and state[finding_id] != value:
        issues.append(
            error(
                f"findings.{finding_id}",
                f"contradictory answers: '{finding_id}' is both present and absent "
                f"(the second from '{source}')",
                "keep one answer",
            )
        )
        return
    state[finding_id] = value


def _apply_groups(kb: CompiledKB, state: dict[str, bool], issues: list[Issue]) -> None:
    for compiled in kb.groups:
        members = compiled.members
        present = [m for m in members if state.get(m) is True]
        if len(present) > 1:
            issues.append(
                error(
                    f"findings.{present[0]}",
                    f"contradictory answers: {', '.join(present)} exclude each other "
                    f"(question '{compiled.group.id}')",
                    "keep one of them",
                )
            )
        elif present:
            for member in members:
                state.setdefault(member, member == present[0])
        elif all(state.get(m) is False for m in members):
            issues.append(
                error(
                    f"findings.{members[0]}",
                    f"every answer of '{compiled.group.id}' is false, but one of them must hold",
                    "set one answer to true or leave the question unanswered",
                )
            )


def _apply_derived(kb: CompiledKB, state: dict[str, bool], issues: list[Issue]) -> None:
    derived = [f for f in kb.knowledge.findings if f.derived is not None]
    for _ in range(len(derived) + 1):
        changed = False
        for finding, value in _derivations(derived, state):
            if finding not in state:
                state[finding] = value
                changed = True
            elif state[finding] != value:
                issues.append(
                    error(
                        f"findings.{finding}",
                        f"'{finding}' is answered {state[finding]} but its parts say {value}",
                        "check the answers of the tests it combines",
                    )
                )
                state[finding] = value
        if not changed:
            return


def _derivations(derived: list[Finding], state: dict[str, bool]) -> Iterator[tuple[str, bool]]:
    for finding in derived:
        value = None if finding.derived is None else evaluate(finding.derived, state.get)
        if value is not None:
            yield finding.id, value
