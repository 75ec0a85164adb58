"""Terminal rendering of assessments (rich): layout and colour around the plain sentences of
`hipdx.report.sentences`."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from hipdx._types import TriageLevel
from hipdx.inference.answers import encode
from hipdx.inference.assessment import (
    Assessment,
    RankedCondition,
)
from hipdx.interview.relevance import standing_cautions
from hipdx.kb.compiled import CompiledKB
from hipdx.kb.schema import Condition, Finding
from hipdx.kb.views import cited_references, conditions_citing_finding, evidence_table_rows
from hipdx.report.sentences import (
    LEVEL_MEANING,
    describe_contribution,
    describe_reason,
    explanation_order,
    percent,
)

LEVEL_STYLE = {
    TriageLevel.EMERGENCY: "bold white on red",
    TriageLevel.URGENT: "bold black on dark_orange",
    TriageLevel.SOON: "bold black on yellow",
    TriageLevel.ROUTINE: "bold white on blue",
    TriageLevel.SELF_CARE: "bold white on green",
}
#: How many contributions to name per condition in the table.
_REASONS_SHOWN = 3


def render_assessment(
    console: Console, assessment: Assessment, kb: CompiledKB, *, top: int = 8
) -> None:
    results = assessment.results
    console.print(_triage_panel(assessment, kb))
    answers, _ = encode(assessment.input, kb)
    for caution in standing_cautions(kb.knowledge.interview, answers):
        console.print(Text(f"Caution: {caution.clinician}", style="bold yellow"))
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
        shown = explanation_order(row.explanation)[:_REASONS_SHOWN]
        reasons = "\n".join(describe_contribution(c, kb) for c in shown)
        table.add_row(  # Text: the references' brackets are not rich markup
            str(row.rank),
            name,
            percent(row.probability),
            _bar(row.probability),
            Text(reasons or "-"),
        )
    table.add_row(
        "",
        Text(kb.knowledge.triage.other_cause.name if kb.knowledge.triage else "other", style="dim"),
        percent(other),
        _bar(other),
        "",
    )
    return table


def _must_not_miss(rows: list[RankedCondition]) -> Panel:
    lines = [
        f"{row.name}: {percent(row.probability)} ({row.urgency.value} if present)" for row in rows
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
