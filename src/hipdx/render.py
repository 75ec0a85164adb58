"""Terminal rendering of assessments (rich). Sentences are made here, from records."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from hipdx._types import TriageLevel
from hipdx.inference.assessment import (
    Assessment,
    Contribution,
    ContributionKind,
    RankedCondition,
    TriageReason,
    TriageReasonKind,
)
from hipdx.kb.compiled import CompiledKB
from hipdx.kb.schema import Condition, Finding
from hipdx.kb_views import cited_references, conditions_citing_finding, evidence_table_rows

LEVEL_STYLE = {
    TriageLevel.EMERGENCY: "bold white on red",
    TriageLevel.URGENT: "bold black on dark_orange",
    TriageLevel.SOON: "bold black on yellow",
    TriageLevel.ROUTINE: "bold white on blue",
    TriageLevel.SELF_CARE: "bold white on green",
}
LEVEL_MEANING = {
    TriageLevel.EMERGENCY: "EMERGENCY - seek emergency care now",
    TriageLevel.URGENT: "URGENT - be seen today",
    TriageLevel.SOON: "SOON - see a clinician within days",
    TriageLevel.ROUTINE: "ROUTINE - book a routine appointment",
    TriageLevel.SELF_CARE: "SELF-CARE - self-management is reasonable; seek care if it worsens",
}
#: How many contributions to name per condition in the table.
_REASONS_SHOWN = 3


def render_assessment(
    console: Console, assessment: Assessment, kb: CompiledKB, *, top: int = 8
) -> None:
    results = assessment.results
    console.print(_triage_panel(assessment, kb))
    console.print(
        _differential_table(results.differential[:top], kb, results.other_cause_probability)
    )
    dangerous = [r for r in results.differential if r.must_not_miss]
    if dangerous:
        console.print(_must_not_miss(dangerous))
    leader = results.differential[0] if results.differential else None
    if leader is not None:
        console.print(_next_steps(leader, kb))
    console.print(Text(results.disclaimer, style="italic"))
    console.print(
        Text(
            f"kb {assessment.metadata.kb_version} · hipdx {assessment.metadata.hipdx_version}",
            style="dim",
        )
    )


def _triage_panel(assessment: Assessment, kb: CompiledKB) -> Panel:
    triage = assessment.results.triage
    lines = [Text(LEVEL_MEANING[triage.level], style=LEVEL_STYLE[triage.level])]
    for reason in triage.reasons:
        lines.append(Text(f"• {describe_reason(reason, kb)}"))
    for flag in assessment.results.red_flags:
        lines.append(Text(f"  → {flag.advice}", style="bold"))
    return Panel(Group(*lines), title="Triage", border_style=LEVEL_STYLE[triage.level].split()[-1])


def describe_reason(reason: TriageReason, kb: CompiledKB) -> str:
    names = ", ".join(kb.condition(c).name for c in reason.conditions)
    if reason.kind is TriageReasonKind.RED_FLAG:
        flag = next(f for f in kb.knowledge.red_flags if f.id == reason.red_flag)
        return f"red flag ({reason.level.value}): {flag.name}"
    if reason.kind is TriageReasonKind.MUST_NOT_MISS:
        return (
            f"must-not-miss ({reason.level.value}): {_percent(reason.mass)} probability "
            f"(threshold {_percent(reason.threshold)}) of {names}"
        )
    if reason.kind is TriageReasonKind.UNRESOLVED:
        return (
            f"not settled when the interview ended ({reason.level.value}): "
            f"{_percent(reason.mass)} probability (at least {_percent(reason.threshold)}) of "
            f"{names}, which the questions not asked could still raise"
        )
    return (
        f"urgency of the likely causes: {reason.level.value} ({_percent(reason.mass)} of the "
        f"probability is {reason.level.value} or more urgent)"
    )


def _differential_table(ranked: tuple[RankedCondition, ...], kb: CompiledKB, other: float) -> Table:
    table = Table(title="Differential", title_justify="left", expand=False)
    table.add_column("#", justify="right")
    table.add_column("Condition")
    table.add_column("Probability", justify="right")
    table.add_column("", no_wrap=True)
    table.add_column("Main reasons")
    for row in ranked:
        name = Text(row.name, style="bold red" if row.must_not_miss else "")
        if row.must_not_miss:
            name.append(" ⚠", style="red")
        reasons = "\n".join(describe_contribution(c, kb) for c in row.explanation[:_REASONS_SHOWN])
        table.add_row(  # Text: the references' brackets are not rich markup
            str(row.rank),
            name,
            _percent(row.probability),
            _bar(row.probability),
            Text(reasons or "-"),
        )
    table.add_row(
        "",
        Text(kb.knowledge.triage.other_cause.name if kb.knowledge.triage else "other", style="dim"),
        _percent(other),
        _bar(other),
        "",
    )
    return table


def describe_contribution(contribution: Contribution, kb: CompiledKB) -> str:
    finding = kb.finding(contribution.finding).clinician
    arrow = "↑" if contribution.log_lr > 0 else "↓"
    if contribution.kind in (ContributionKind.ABSENT, ContributionKind.UNLINKED_ABSENT):
        finding = f"no {finding[0].lower()}{finding[1:]}"
    elif contribution.kind is ContributionKind.ANSWERS_RULED_OUT:
        finding = f"not {finding[0].lower()}{finding[1:]}"
    source = f" [{', '.join(contribution.references)}]" if contribution.references else ""
    if contribution.kind in (ContributionKind.UNLINKED_PRESENT, ContributionKind.UNLINKED_ABSENT):
        source = " [not a feature of it in the knowledge base]"
    return f"{arrow} {finding} (LR {contribution.likelihood_ratio:.2g}){source}"


def _must_not_miss(rows: list[RankedCondition]) -> Panel:
    lines = [
        f"{row.name}: {_percent(row.probability)} ({row.urgency.value} if present)" for row in rows
    ]
    return Panel(
        Text("\n".join(lines)),
        title="Must not miss (shown whatever their probability)",
        border_style="red",
    )


def _next_steps(leader: RankedCondition, kb: CompiledKB) -> Panel:
    management = kb.condition(leader.condition).management
    text = Text()
    text.append(f"If {leader.name} is confirmed:\n", style="bold")
    for step in management.first_line:
        text.append(f"• {step}\n")
    text.append("Refer when: ", style="bold")
    text.append("; ".join(management.refer_when) + "\n")
    text.append("Massage and manual therapy: ", style="bold")
    text.append(management.massage)
    return Panel(text, title="What to do next", border_style="cyan")


def _percent(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value * 100:.1f}%" if value >= 0.001 else "<0.1%"


def _bar(value: float, width: int = 12) -> str:
    filled = round(value * width)
    return "█" * filled + "·" * (width - filled)


def render_condition(console: Console, kb: CompiledKB, condition: Condition) -> None:
    """`hipdx kb show CONDITION`: the condition's page."""
    flags = " · [bold red]must not miss[/]" if condition.must_not_miss else ""
    console.print(f"[bold]{condition.name}[/] ({condition.id}){flags}")
    applies = condition.applies
    who = ", ".join(
        part
        for part in (
            applies.sex.value if applies.sex else "",
            f"age >= {applies.age_min:g}" if applies.age_min is not None else "",
            f"age <= {applies.age_max:g}" if applies.age_max is not None else "",
        )
        if part
    )
    console.print(
        f"ICD-10-CM {condition.icd10cm}"
        + (f" · SNOMED CT {condition.snomed}" if condition.snomed else "")
        + f" · {condition.category} · urgency {condition.urgency.value}"
        + (f" · only: {who}" if who else "")
    )
    console.print(f"Also called: {', '.join(condition.synonyms)}" if condition.synonyms else "")
    priors = Table(title="Priors", title_justify="left")
    for column in ("setting", "prior", "grade", "source / rationale"):
        priors.add_column(column)
    for setting, prior in condition.priors.items():
        priors.add_row(
            setting.value,
            f"{prior.value:g}",
            prior.grade.value,
            Text(f"[{prior.ref}] {prior.note}" if prior.ref else prior.note),
        )
    console.print(priors)
    console.print(
        Panel(
            Text(f"{condition.summary}\n\nIn plain words: {condition.plain_summary}"),
            title="Summary",
        )
    )
    evidence = Table(title="Evidence (strongest first)", title_justify="left")
    for column in ("finding", "Sn", "Sp", "LR+", "LR-", "grade", "source"):
        evidence.add_column(column)
    for row in evidence_table_rows(kb, condition):
        evidence.add_row(*row)
    console.print(evidence)
    management = condition.management
    console.print(
        Panel(
            Text(
                "First line: "
                + "; ".join(management.first_line)
                + "\nRefer when: "
                + "; ".join(management.refer_when)
                + (f"\nRefer to: {', '.join(management.refer_to)}" if management.refer_to else "")
                + f"\nMassage and manual therapy: {management.massage}"
            ),
            title="Management",
        )
    )
    console.print("[bold]References[/]")
    for reference in cited_references(kb, condition):
        extra = f" doi:{reference.doi}" if reference.doi else ""
        extra += f" PMID {reference.pmid}" if reference.pmid else ""
        console.print(Text(f"  [{reference.id}] {reference.citation}{extra}"))


def render_finding(console: Console, kb: CompiledKB, finding: Finding) -> None:
    """`hipdx kb show FINDING`: the finding's wording and the conditions it informs."""
    console.print(
        f"[bold]{finding.clinician}[/] ({finding.id}) · {finding.kind.value} · "
        f"asked of {finding.asker.value}"
    )
    console.print(f"Lay wording: {finding.lay}")
    if finding.synonyms:
        console.print(f"Synonyms: {', '.join(finding.synonyms)}")
    table = Table(title="Evidence", title_justify="left")
    for column in ("condition", "Sn", "Sp", "grade", "source"):
        table.add_column(column)
    for condition, row in conditions_citing_finding(kb, finding.id):
        sens = "-" if row.sensitivity is None else f"{row.sensitivity:.2f}"
        spec = "-" if row.specificity is None else f"{row.specificity:.2f}"
        table.add_row(condition.name, sens, spec, row.grade.value, row.ref or "-")
    console.print(table)
