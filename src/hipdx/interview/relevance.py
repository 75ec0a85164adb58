"""What the interview does not ask, and what it must ask, whatever the information scores say.

* A question whose wording presupposes a pain region (the finding's ``regions``: "Is the back
  pain so bad that you cannot lie flat?") is not asked once every one of those regions has been
  denied (`denied_region_findings`), unless a red-flag rule needs its finding whatever the
  region (the rule does not itself name the region): that red flag is screened wherever the
  pain is, and the question then says why (`hipdx.interview.reasons`).
* A vaguer finding (its ``parts``: "hip pain" and the groin, front, side and back of the hip) is
  not asked once any of its parts has an answer: the part says where the pain is.
* A caution of the interview policy (``cautions``: a woman of childbearing age with pelvic,
  groin or low-back pain and no pregnancy information) stands while its ``when`` rule holds
  and none of its ``unless_answered`` findings has an answer (`standing_cautions`); its open
  questions are asked before anything else (`caution_questions`).
"""

from __future__ import annotations

from dataclasses import dataclass

from hipdx.inference.answers import Answers
from hipdx.kb.compiled import CompiledKB
from hipdx.kb.rules import evaluate, rule_findings
from hipdx.kb.schema import AllOf, AnyOf, Caution, InterviewPolicy


@dataclass(frozen=True)
class NotAsked:
    """What decides the findings not to ask, worked out once per knowledge base: the parts of
    each "any of" finding (settled when it is answered no) and of each "all of" one (settled
    when yes), the findings whose question presupposes regions, with those regions, that no
    red-flag rule needs whatever the region, and each vaguer finding with its parts (settled
    when any part is answered)."""

    any_of: tuple[tuple[str, tuple[str, ...]], ...] = ()
    all_of: tuple[tuple[str, tuple[str, ...]], ...] = ()
    regional: tuple[tuple[str, tuple[str, ...]], ...] = ()
    vaguer: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def findings(self, answers: Answers) -> frozenset[str]:
        """`hipdx.interview.step.settled_by_derived`, `denied_region_findings` and
        `parts_answered` together."""
        absent, present = answers.absent, answers.present
        settled = {part for f, parts in self.any_of if f in absent for part in parts}
        settled.update(part for f, parts in self.all_of if f in present for part in parts)
        settled.update(f for f, regions in self.regional if absent.issuperset(regions))
        answered = absent | present
        settled.update(f for f, parts in self.vaguer if not answered.isdisjoint(parts))
        return frozenset(settled)


def not_asked(kb: CompiledKB) -> NotAsked:
    """The `NotAsked` of ``kb``."""
    findings = kb.knowledge.findings
    return NotAsked(
        any_of=tuple(
            (f.id, tuple(p for p in f.derived.any if isinstance(p, str)))
            for f in findings
            if isinstance(f.derived, AnyOf)
        ),
        all_of=tuple(
            (f.id, tuple(p for p in f.derived.all if isinstance(p, str)))
            for f in findings
            if isinstance(f.derived, AllOf)
        ),
        regional=tuple(
            (f.id, tuple(f.regions))
            for f in findings
            if f.regions and not needed_by_red_flag(kb, f.id)
        ),
        vaguer=tuple((f.id, tuple(f.parts)) for f in findings if f.parts),
    )


def red_flag_findings(kb: CompiledKB) -> frozenset[str]:
    """Every finding a red-flag rule mentions."""
    return frozenset(f for flag in kb.knowledge.red_flags for f in rule_findings(flag.when))


def needed_by_red_flag(kb: CompiledKB, finding_id: str) -> bool:
    """Whether a red-flag rule needs the finding whatever its regions: a rule that mentions
    the finding and none of the regions its question presupposes (a rule about back pain is
    settled by "no back pain"; one that names the finding alone is not)."""
    regions = set(kb.finding(finding_id).regions)
    return any(
        finding_id in mentioned and not regions & mentioned
        for mentioned in (set(rule_findings(flag.when)) for flag in kb.knowledge.red_flags)
    )


def denied_region_findings(kb: CompiledKB, answers: Answers) -> frozenset[str]:
    """Findings not to ask: every region their question presupposes has been answered no, and
    no red-flag rule needs them whatever the region (`needed_by_red_flag`)."""
    return frozenset(
        finding.id
        for finding in kb.knowledge.findings
        if finding.regions
        and all(answers.known(region) is False for region in finding.regions)
        and not needed_by_red_flag(kb, finding.id)
    )


def parts_answered(kb: CompiledKB, answers: Answers) -> frozenset[str]:
    """Vaguer findings not to ask: one of their ``parts`` has an answer ("hip pain", once the
    groin or the side of the hip has been answered)."""
    return frozenset(
        finding.id
        for finding in kb.knowledge.findings
        if any(answers.known(part) is not None for part in finding.parts)
    )


def presupposes_denied_region(kb: CompiledKB, answers: Answers, finding_id: str) -> bool:
    """Whether the question of ``finding_id`` is about a region the person has denied (asked
    all the same because a red flag needs it)."""
    if not kb.has_finding(finding_id):
        return False
    regions = kb.finding(finding_id).regions
    return bool(regions) and all(answers.known(r) is False for r in regions)


def standing_cautions(policy: InterviewPolicy | None, answers: Answers) -> tuple[Caution, ...]:
    """The cautions of the interview policy that hold for these answers."""
    if policy is None:
        return ()
    return tuple(
        caution
        for caution in policy.cautions
        if evaluate(caution.when, answers.known) is True
        and all(answers.known(f) is None for f in caution.unless_answered)
    )


def caution_questions(policy: InterviewPolicy | None, answers: Answers) -> tuple[str, ...]:
    """The findings the standing cautions want asked, in policy order."""
    return tuple(
        dict.fromkeys(f for c in standing_cautions(policy, answers) for f in c.unless_answered)
    )
