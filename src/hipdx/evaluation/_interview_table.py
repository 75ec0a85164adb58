"""An interview simulation's summary as a Markdown table with a few plain sentences after it
(the form the README and docs/interview.md report)."""

from __future__ import annotations

from hipdx.evaluation._interview_summary import (
    BUDGETS,
    InterviewSummary,
    StrategySummary,
    by_strategy,
)
from hipdx.evaluation._strategies import Strategy
from hipdx.evaluation._triage_metrics import MissBreakdown


def interview_table(title: str, summary: InterviewSummary) -> str:
    """The table (one row per strategy) and the sentences on the adaptive interview."""
    budget = summary["budget"]
    head = " | ".join(f"top-1/3 @{n}" for n in BUDGETS if n <= budget)
    lines = [
        f"{title}: {summary['patients']} patients, budget {budget}, "
        f"{summary['dangerous_patients_raw']} with an urgent/emergency must-not-miss condition, "
        f"{summary['dangerous_patients']} of them triaged urgent or higher by the full"
        " questionnaire",
        f"| strategy | {head} | questions to top-3 (reached) | at stop: questions, "
        "top-1/3 | emergencies missed: catchable / raw (below full) | over-triage: others "
        "urgent+ (full) / above full |",
        "|---" * (5 + sum(n <= budget for n in BUDGETS)) + "|",
    ]
    lines += [_row(strategy, s) for strategy, s in by_strategy(summary).items()]
    lines.append(_adaptive_sentence(summary))
    breakdown = summary["adaptive"].get("missed_breakdown")
    if breakdown:
        lines += _breakdown_sentences(breakdown)
    fired = summary["red_flags_full"]
    lines.append(
        f"red flags on the full questionnaire: {fired['any']} of {summary['patients']} patients"
        f" ({fired['any'] / max(summary['patients'], 1):.0%}); spontaneous (no fired flag "
        f"suggests the true condition): {fired['spontaneous']}"
    )
    return "\n".join(lines)


def _row(strategy: Strategy, s: StrategySummary) -> str:
    cells = " | ".join(f"{s['top1'][n]:.0%} / {s['top3'][n]:.0%}" for n in s["top1"])
    to_top3 = s["mean_questions_to_top3"]
    reach = f"{to_top3:.1f} ({s['reached_top3']:.0%})" if to_top3 is not None else "-"
    stop = s["at_stop"]
    over = s["over_triage"]
    return (
        f"| {strategy.value} | {cells} | {reach} | {stop['mean_questions']:.1f}, "
        f"{stop['top1']:.0%} / {stop['top3']:.0%} | {s['emergencies_missed']} / "
        f"{s['emergencies_missed_raw']} ({s['below_full_questionnaire']}) | "
        f"{over['urgent']} ({over['full_urgent']}) of {over['patients']} / {over['above_full']} |"
    )


def _adaptive_sentence(summary: InterviewSummary) -> str:
    budget = summary["budget"]
    match = summary["adaptive_questions_to_match_fixed"]
    stop = summary["adaptive"]["at_stop"]
    return (
        f"adaptive reaches the fixed questionnaire's top-3 accuracy at {budget}"
        f" questions ({summary['fixed']['top3_curve'][-1]:.0%}) after "
        f"{match if match is not None else 'more than ' + str(budget)} "
        f"questions; adaptive stop reasons: {stop['reasons']}; a safety hold deferred the stop"
        f" in {stop['held']}"
    )


def _breakdown_sentences(breakdown: MissBreakdown) -> list[str]:
    lines = []
    for counts, title in (
        (breakdown["condition"], "by condition"),
        (breakdown["stop"], "by stop reason"),
        (breakdown["full_caught_by"], "the full questionnaire caught them by"),
    ):
        ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        lines.append(
            f"adaptive catchable misses {title}: "
            + (", ".join(f"{k} {v}" for k, v in ordered) or "none")
        )
    return lines
