"""Semantic checks of a loaded knowledge base; each problem is an `Issue` naming file, id, field."""

from __future__ import annotations

import itertools
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator

from hipdx._suggest import did_you_mean
from hipdx._types import Asker, Grade, Setting
from hipdx.issues import Issue, error, warning
from hipdx.kb.loader import KnowledgeBase
from hipdx.kb.rules import rule_findings
from hipdx.kb.schema import (
    Condition,
    EvidenceRow,
    FindingGroup,
    FindingKind,
    NumberSource,
    Provenance,
    Threshold,
)

#: Summed P(member | condition) over a group may exceed 1 by rounding only.
_GROUP_SUM_TOLERANCE = 1e-6

#: A row's false-positive rate (1 - specificity) estimates how often the finding occurs among all
#: the other presenters, so it should be close across the conditions that give the same finding.
#: A rate this many times off the finding's median rate, and this far off in absolute terms, is
#: reported: usually a specificity measured against a narrow comparator (surgical or referred
#: cohorts, other women with early-pregnancy pain) rather than the presenting population.
_COMPARATOR_RATIO = 3.0
_COMPARATOR_GAP = 0.10
_COMPARATOR_MIN_ROWS = 3


def validate(kb: KnowledgeBase, *, codes: bool = True) -> list[Issue]:
    """All problems in ``kb``; an empty list means it may be compiled and used. ``codes``:
    check the ICD-10-CM codes against the code table (slow to import: `hipdx kb check` does,
    building the knowledge base to use it does not)."""
    checks = (
        _duplicate_ids,
        _one_reference_per_publication,
        _unknown_ids,
        _provenance,
        _uncited_references,
        _icd_codes,
        _groups,
        _conditions,
        _comparators,
        _triage_policy,
        _language,
        _interview_links,
    )
    return [issue for check in checks if codes or check is not _icd_codes for issue in check(kb)]


def _duplicate_ids(kb: KnowledgeBase) -> Iterator[Issue]:
    namespaces: dict[str, list[tuple[str, str]]] = {
        "references": [("references", r.id) for r in kb.references],
        "findings and groups": [("findings", f.id) for f in kb.findings]
        + [("groups", g.id) for g in kb.groups],
        "conditions": [("conditions", c.id) for c in kb.conditions],
        "red_flags": [("red_flags", r.id) for r in kb.red_flags],
    }
    for namespace, items in namespaces.items():
        counts = Counter(item_id for _, item_id in items)
        for kind, item_id in dict.fromkeys(items):
            if counts[item_id] > 1:
                counts[item_id] = 0  # report once
                files = ", ".join(dict.fromkeys(kb.where(k, i) for k, i in items if i == item_id))
                yield error(
                    f"{files}: {kind}[{item_id}]",
                    f"id '{item_id}' is defined more than once among {namespace}",
                    "give each item a unique id",
                )


def _one_reference_per_publication(kb: KnowledgeBase) -> Iterator[Issue]:
    """Two references with the same DOI, PubMed id or web address are one publication under two
    ids: its numbers would look like two sources' agreement."""
    seen: dict[tuple[str, str], str] = {}
    for reference in kb.references:
        for label, value in (
            ("doi", reference.doi),
            ("pmid", reference.pmid),
            ("url", reference.url),
        ):
            if not value:
                continue
            key = (label, value.lower().rstrip("/"))
            if key in seen:
                yield error(
                    f"{kb.where('references', reference.id)}: references[{reference.id}]",
                    f"the same {label} as reference '{seen[key]}' ({value})",
                    f"cite one publication under one id: use '{seen[key]}' and remove this one",
                )
            else:
                seen[key] = reference.id


def _unknown_ids(kb: KnowledgeBase) -> Iterator[Issue]:
    findings = {f.id for f in kb.findings}
    conditions = {c.id for c in kb.conditions}
    references = {r.id for r in kb.references}
    for group in kb.groups:
        where = f"{kb.where('groups', group.id)}: groups[{group.id}].members"
        yield from _unknown(where, group.members, findings, "finding")
    for finding in kb.findings:
        where = f"{kb.where('findings', finding.id)}: findings[{finding.id}]"
        if finding.numeric is not None:
            derived = [t.finding for t in finding.numeric.derive]
            yield from _unknown(f"{where}.numeric.derive", derived, findings, "finding")
        if finding.derived is not None:
            yield from _unknown(
                f"{where}.derived", rule_findings(finding.derived), findings, "finding"
            )
            if finding.id in rule_findings(finding.derived):
                yield error(f"{where}.derived", "a derived finding refers to itself")
        yield from _unknown(f"{where}.parts", finding.parts, findings, "finding")
        if finding.id in finding.parts:
            yield error(f"{where}.parts", "a finding cannot be a part of itself")
    for condition in kb.conditions:
        where = f"{kb.where('conditions', condition.id)}: conditions[{condition.id}]"
        yield from _unknown(f"{where}.references", condition.references, references, "reference")
        for row in condition.evidence:
            yield from _unknown(
                f"{where}.evidence[{row.finding}].finding", [row.finding], findings, "finding"
            )
    for flag in kb.red_flags:
        where = f"{kb.where('red_flags', flag.id)}: red_flags[{flag.id}]"
        yield from _unknown(f"{where}.when", rule_findings(flag.when), findings, "finding")
        yield from _unknown(f"{where}.suggests", flag.suggests, conditions, "condition")


def _unknown(where: str, ids: Iterable[str], known: set[str], kind: str) -> Iterator[Issue]:
    for item_id in ids:
        if item_id not in known:
            fix = did_you_mean(item_id, known, f"define the {kind} first")
            yield error(where, f"unknown {kind} id '{item_id}'", fix)


def _provenances(kb: KnowledgeBase) -> Iterator[tuple[str, Provenance | NumberSource]]:
    for condition in kb.conditions:
        where = f"{kb.where('conditions', condition.id)}: conditions[{condition.id}]"
        for setting, prior in condition.priors.items():
            yield f"{where}.priors.{setting.value}", prior
        for row in condition.evidence:
            yield f"{where}.evidence[{row.finding}]", row
            for name in ("sensitivity_source", "specificity_source"):
                source = getattr(row, name)
                if source is not None:  # an estimated number may lean on the row's note
                    note = source.note or row.note
                    yield (
                        f"{where}.evidence[{row.finding}].{name}",
                        source.model_copy(update={"note": note}),
                    )
    for flag in kb.red_flags:
        yield f"{kb.where('red_flags', flag.id)}: red_flags[{flag.id}]", flag
    if kb.triage is not None:
        where = f"{kb.where('triage', 'triage')}: triage"
        yield f"{where}.base_mass", kb.triage.base_mass
        for threshold in kb.triage.must_not_miss_thresholds:
            yield f"{where}.must_not_miss_thresholds[{threshold.level.value}]", threshold
        for setting, prior in kb.triage.other_cause.priors.items():
            yield f"{where}.other_cause.priors.{setting.value}", prior
        for name in ("unlinked_findings", "prior_weight"):
            policy = getattr(kb.triage, name)
            if policy is not None:
                yield f"{where}.{name}", policy
    if kb.interview is not None:
        where = f"{kb.where('interview', 'interview')}: interview"
        for name in type(kb.interview).model_fields:
            value = getattr(kb.interview, name)
            if isinstance(value, Provenance):
                yield f"{where}.{name}", value
        for caution in kb.interview.cautions:
            yield f"{where}.cautions[{caution.id}]", caution


def _provenance(kb: KnowledgeBase) -> Iterator[Issue]:
    references = {r.id for r in kb.references}
    for where, item in _provenances(kb):
        if item.grade is Grade.EXPERT_ESTIMATE:
            if len(item.note.strip()) < 10:
                yield error(
                    f"{where}.note",
                    "an expert estimate must say why (note is missing or too short)",
                    "write a one-line rationale in 'note'",
                )
        elif item.ref is None:
            yield error(
                f"{where}.ref",
                f"a number graded '{item.grade.value}' has no reference",
                "cite a reference id, or grade it expert-estimate with a rationale",
            )
        if item.ref is not None and item.ref not in references:
            yield from _unknown(f"{where}.ref", [item.ref], references, "reference")


def _uncited_references(kb: KnowledgeBase) -> Iterator[Issue]:
    cited = {item.ref for _, item in _provenances(kb) if item.ref is not None}
    cited.update(ref for condition in kb.conditions for ref in condition.references)
    for reference in kb.references:
        if reference.id not in cited:
            yield error(
                f"{kb.where('references', reference.id)}: references[{reference.id}]",
                f"reference '{reference.id}' is not cited by anything",
                "cite it from evidence, a prior, a red flag or a condition, or remove it",
            )


def _icd_codes(kb: KnowledgeBase) -> Iterator[Issue]:
    import warnings

    with warnings.catch_warnings():  # the package reads its data with a deprecated importlib API
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm as icd
    for condition in kb.conditions:
        if not icd.is_valid_item(condition.icd10cm):
            yield error(
                f"{kb.where('conditions', condition.id)}: conditions[{condition.id}].icd10cm",
                f"'{condition.icd10cm}' is not an ICD-10-CM code",
                "look the code up in ICD-10-CM (simple-icd-10-cm)",
            )


def _groups(kb: KnowledgeBase) -> Iterator[Issue]:
    owner: dict[str, str] = {}
    for group in kb.groups:
        where = f"{kb.where('groups', group.id)}: groups[{group.id}].members"
        for member, count in Counter(group.members).items():
            if count > 1:
                yield error(where, f"answer '{member}' is listed {count} times in one group")
            if member in owner and owner[member] != group.id:
                yield error(
                    where,
                    f"answer '{member}' is also in group '{owner[member]}'; "
                    "groups must not overlap",
                    "a finding belongs to at most one exclusive group",
                )
            owner.setdefault(member, group.id)
    yield from _overlapping_thresholds(kb)


def _overlapping_thresholds(kb: KnowledgeBase) -> Iterator[Issue]:
    member_of = {m: g.id for g in kb.groups for m in g.members}
    for finding in kb.findings:
        if finding.numeric is None:
            continue
        by_group: dict[str, list[Threshold]] = {}
        for threshold in finding.numeric.derive:
            if threshold.finding in member_of:
                by_group.setdefault(member_of[threshold.finding], []).append(threshold)
        for group_id, thresholds in by_group.items():
            for a, b in itertools.combinations(thresholds, 2):
                if _ranges_overlap(a, b):
                    yield error(
                        f"{kb.where('findings', finding.id)}: "
                        f"findings[{finding.id}].numeric.derive",
                        f"'{a.finding}' and '{b.finding}' overlap, but both answer the exclusive "
                        f"group '{group_id}'",
                        "make the ranges disjoint (use 'below' on one and 'at_least' on the next)",
                    )


def _ranges_overlap(a: Threshold, b: Threshold) -> bool:
    """True when some value lies inside both ranges."""
    low_a, high_a = a.lower, a.upper
    low_b, high_b = b.lower, b.upper
    low = max((v for v in (low_a, low_b) if v is not None), default=None)
    high = min((v for v in (high_a, high_b) if v is not None), default=None)
    if low is None or high is None:
        return True
    if low < high:
        return True
    if low > high:
        return False
    return all(t.contains(low) for t in (a, b))


def _conditions(kb: KnowledgeBase) -> Iterator[Issue]:
    member_of = {m: g for g in kb.groups for m in g.members}
    numeric = {f.id for f in kb.findings if f.numeric is not None}
    for condition in kb.conditions:
        where = f"{kb.where('conditions', condition.id)}: conditions[{condition.id}]"
        missing = [s.value for s in Setting if s not in condition.priors]
        if missing:
            yield error(f"{where}.priors", f"no prior for {', '.join(missing)}")
        applies = condition.applies
        if (
            applies.age_min is not None
            and applies.age_max is not None
            and applies.age_min > applies.age_max
        ):
            yield error(f"{where}.applies", "age_min is above age_max")
        for finding_id, count in Counter(r.finding for r in condition.evidence).items():
            if count > 1:
                yield error(
                    f"{where}.evidence[{finding_id}]",
                    f"{count} evidence rows for one finding; pool them into one row",
                )
        for row in condition.evidence:
            yield from _row(f"{where}.evidence[{row.finding}]", row, member_of, numeric)
        yield from _group_sums(where, condition, member_of, {g.id: g for g in kb.groups})


def _row(
    where: str, row: EvidenceRow, member_of: dict[str, FindingGroup], numeric: set[str]
) -> Iterator[Issue]:
    if row.finding in numeric:
        yield error(
            where,
            "evidence must name a boolean finding, not a numeric one",
            "give the evidence on a finding that the number derives",
        )
    if row.finding in member_of and not row.is_probabilistic:
        yield error(
            where,
            f"'{row.finding}' is an answer of group '{member_of[row.finding].id}': give "
            "sensitivity/specificity, so the answers can be treated as one variable",
        )
    if (
        row.lr_pos is not None
        and row.lr_neg is not None
        and (row.lr_pos - 1) * (row.lr_neg - 1) > 0
    ):
        yield error(where, "lr_pos and lr_neg are on the same side of 1, which no test can have")


def _group_sums(
    where: str,
    condition: Condition,
    member_of: dict[str, FindingGroup],
    groups: dict[str, FindingGroup],
) -> Iterator[Issue]:
    rows_by_group: dict[str, list[EvidenceRow]] = {}
    for row in condition.evidence:
        if row.finding in member_of and row.is_probabilistic:
            rows_by_group.setdefault(member_of[row.finding].id, []).append(row)
    for group_id, rows in rows_by_group.items():
        complete = len(rows) == len(groups[group_id].members)
        in_condition = sum(r.sensitivity or 0.0 for r in rows)
        in_others = sum(1.0 - (r.specificity or 0.0) for r in rows)
        for label, total in (
            ("P(answer | condition)", in_condition),
            ("P(answer | others)", in_others),
        ):
            too_big = total > 1 + _GROUP_SUM_TOLERANCE if complete else total >= 1
            if too_big:
                yield error(
                    f"{where}.evidence (group {group_id})",
                    f"{label} sums to {total:.3f} over the answers of an exclusive group",
                    "the answers exclude each other, so their probabilities must sum to at most 1",
                )


def _comparators(kb: KnowledgeBase) -> Iterator[Issue]:
    rates: defaultdict[str, list[tuple[Condition, float]]] = defaultdict(list)
    for condition in kb.conditions:
        for row in condition.evidence:
            if row.specificity is not None:
                rates[row.finding].append((condition, 1.0 - row.specificity))
    for finding_id, rows in rates.items():
        if len(rows) < _COMPARATOR_MIN_ROWS:
            continue
        median = statistics.median(rate for _, rate in rows)
        for condition, rate in rows:
            ratio = max(rate, 1e-3) / max(median, 1e-3)
            off = ratio > _COMPARATOR_RATIO or ratio < 1 / _COMPARATOR_RATIO
            if off and abs(rate - median) > _COMPARATOR_GAP:
                yield warning(
                    f"{kb.where('conditions', condition.id)}: "
                    f"conditions[{condition.id}].evidence[{finding_id}].specificity",
                    f"implies the finding in {rate:.0%} of other presenters; the other "
                    f"{len(rows) - 1} rows for '{finding_id}' imply {median:.0%} (median)",
                    "check that the specificity was measured against the presenting population, "
                    "not a narrow comparator; if it was not, estimate it and say so in the note",
                )


def _triage_policy(kb: KnowledgeBase) -> Iterator[Issue]:
    if kb.triage is None:
        yield error(
            "knowledge", "no 'triage' policy", "add a triage: mapping to one knowledge file"
        )
        return
    where = f"{kb.where('triage', 'triage')}: triage"
    missing = [s.value for s in Setting if s not in kb.triage.other_cause.priors]
    if missing:
        yield error(f"{where}.other_cause.priors", f"no prior for {', '.join(missing)}")
    levels = Counter(t.level for t in kb.triage.must_not_miss_thresholds)
    for level, count in levels.items():
        if count > 1:
            yield error(
                f"{where}.must_not_miss_thresholds", f"level '{level.value}' appears {count} times"
            )
    for condition in kb.conditions:
        if condition.must_not_miss and not condition.evidence:
            yield warning(
                f"{kb.where('conditions', condition.id)}: conditions[{condition.id}]",
                "a must-not-miss condition has no evidence rows",
            )


def _language(kb: KnowledgeBase) -> Iterator[Issue]:
    """Every finding id the language resources refer to is a finding of the knowledge base."""
    if kb.language is None:
        return
    findings = {f.id for f in kb.findings}
    for name, where, finding_id in kb.language.finding_references():
        yield from _unknown(f"{name}: {where}", [finding_id], findings, "finding")


def _interview_links(kb: KnowledgeBase) -> Iterator[Issue]:
    """Every condition has a plain name; the region a question presupposes is a region
    finding; the opening choice and the cautions name known findings."""
    for condition in kb.conditions:
        if condition.plain_name is None:
            where = f"{kb.where('conditions', condition.id)}: conditions[{condition.id}]"
            yield warning(
                f"{where}.plain_name",
                "no plain name: a patient is shown the clinical name",
                "add a short lay name ('hip arthritis') after the name",
            )
    findings = {f.id: f for f in kb.findings}
    regions = {f.id for f in kb.findings if f.kind is FindingKind.REGION}
    for finding in kb.findings:
        where = f"{kb.where('findings', finding.id)}: findings[{finding.id}].regions"
        yield from _unknown(where, finding.regions, regions, "region finding")
    policy = kb.interview
    if policy is None:
        return
    where = f"{kb.where('interview', 'interview')}: interview"
    if policy.opening is not None:
        yield from _unknown(f"{where}.opening", policy.opening.findings, set(findings), "finding")
        for item in policy.opening.findings:
            if item in findings and findings[item].asker is not Asker.PATIENT:
                yield error(f"{where}.opening", f"'{item}' is not a question a patient answers")
    labelled = [o.finding for o in policy.region_labels]
    yield from _unknown(f"{where}.region_labels", labelled, regions, "region finding")
    for caution in policy.cautions:
        here = f"{where}.cautions[{caution.id}]"
        yield from _unknown(f"{here}.when", rule_findings(caution.when), set(findings), "finding")
        yield from _unknown(
            f"{here}.unless_answered", caution.unless_answered, set(findings), "finding"
        )
