"""`hipdx kb check|stats|show`: inspect and validate the knowledge base."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from hipdx._types import Grade
from hipdx.cli._io import fail, stderr, stdout
from hipdx.issues import IssueLevel, errors_in
from hipdx.kb.build import check_knowledge
from hipdx.kb.loader import KnowledgeBase
from hipdx.kb.views import workup_citation

kb_app = typer.Typer(help="Check, summarise and browse the knowledge base.", no_args_is_help=True)

RootOption = Annotated[
    Path | None,
    typer.Option("--root", help="A knowledge folder to use instead of the packaged one."),
]


@kb_app.command("check")
def check(root: RootOption = None) -> None:
    """Validate the knowledge base; exit 1 with precise messages (file, id, field) on errors."""
    knowledge, issues = check_knowledge(root)
    console = stderr()
    for issue in issues:
        style = "red" if issue.level is IssueLevel.ERROR else "yellow"
        text = escape(
            f"{issue.where}: {issue.message}" + (f" (fix: {issue.fix})" if issue.fix else "")
        )
        console.print(f"[{style}]{issue.level.value}[/]: {text}", highlight=False)
    errors = errors_in(issues)
    if errors or knowledge is None:
        console.print(f"[bold red]{len(errors)} error(s)[/]")
        raise typer.Exit(1)
    stats = kb_statistics(knowledge)
    typer.echo(
        f"ok: {stats['conditions']} conditions, {stats['findings']} findings, "
        f"{stats['evidence_rows']} evidence rows, {len(knowledge.references)} references, "
        f"{len(knowledge.red_flags)} red flags; {len(issues)} warning(s); kb {knowledge.version}"
    )


@kb_app.command("stats")
def stats(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
    root: RootOption = None,
) -> None:
    """Counts of conditions, findings and evidence rows, and the share of each evidence grade."""
    knowledge = _valid_knowledge(root)
    figures = kb_statistics(knowledge)
    if as_json:
        typer.echo(json.dumps(figures, indent=2))
        return
    table = Table(title=f"Knowledge base {knowledge.version}", title_justify="left")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key in ("conditions", "findings", "evidence_rows"):
        table.add_row(key.replace("_", " "), str(figures[key]))
    for grade, share in figures["grades"].items():
        table.add_row(f"evidence graded {grade}", f"{share * 100:.1f}%")
    table.add_row("cited (not expert-estimate)", f"{figures['cited_fraction'] * 100:.1f}%")
    workup = figures["workup"]
    table.add_row("workup rows (imaging, procedures, laboratory)", str(workup["rows"]))
    for key, label in (
        ("every_number_cited", "workup rows citing a source for every number"),
        ("sensitivity_cited", "workup rows citing a source for their sensitivity or LR+"),
        ("a_number_cited", "workup rows citing a source for a number"),
    ):
        table.add_row(label, f"{workup[key] * 100:.1f}%")
    table.add_row(
        "conditions without evidence", ", ".join(figures["conditions_without_evidence"]) or "none"
    )
    stdout().print(table)


@kb_app.command("show")
def show(
    item: Annotated[str, typer.Argument(help="A condition id (or a finding id).")],
    root: RootOption = None,
) -> None:
    """A condition with its evidence table, management and references (or a finding's uses)."""
    from hipdx.cli.render import render_condition, render_finding
    from hipdx.kb.compiled import compile_knowledge

    kb = compile_knowledge(_valid_knowledge(root))
    if item in kb.condition_ids:
        render_condition(stdout(), kb, kb.condition(item))
    elif kb.has_finding(item):
        render_finding(stdout(), kb, kb.finding(item))
    else:
        from hipdx._suggest import did_you_mean
        from hipdx.issues import shorten

        known = [*kb.condition_ids, *(f.id for f in kb.knowledge.findings)]
        fail(
            f"unknown condition or finding '{shorten(item)}'; "
            + did_you_mean(item, known, "see `hipdx kb stats`")
        )


@kb_app.command("doc")
def doc(
    out: Annotated[Path, typer.Option("--out", help="Markdown file to write.")] = Path(
        "docs/knowledge-base.md"
    ),
    root: RootOption = None,
) -> None:
    """Write the whole knowledge base (conditions, findings, red flags, references) as Markdown."""
    from hipdx.kb.compiled import compile_knowledge
    from hipdx.report.knowledge_markdown import knowledge_markdown

    text = knowledge_markdown(compile_knowledge(_valid_knowledge(root)))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {out} ({len(text.splitlines())} lines)")


def kb_statistics(knowledge: KnowledgeBase) -> dict[str, Any]:
    rows = [row for condition in knowledge.conditions for row in condition.evidence]
    grades = Counter(row.grade for row in rows)
    total = len(rows) or 1
    return {
        "kb_version": knowledge.version,
        "conditions": len(knowledge.conditions),
        "findings": len(knowledge.findings),
        "evidence_rows": len(rows),
        "grades": {grade.value: grades.get(grade, 0) / total for grade in Grade},
        "cited_fraction": sum(n for g, n in grades.items() if g is not Grade.EXPERT_ESTIMATE)
        / total,
        "workup": workup_citation(knowledge),
        "references": len(knowledge.references),
        "red_flags": len(knowledge.red_flags),
        "condition_ids": [c.id for c in knowledge.conditions],
        "conditions_without_evidence": [c.id for c in knowledge.conditions if not c.evidence],
    }


def _valid_knowledge(root: Path | None) -> KnowledgeBase:
    knowledge, issues = check_knowledge(root)
    errors = errors_in(issues)
    if knowledge is None or errors:
        fail("the knowledge base is invalid (run `hipdx kb check`)", errors, code=1)
    return knowledge
