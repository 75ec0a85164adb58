"""hipdx's assessment against pgmpy's exact inference on the same model, and against the
previous code path (every ranked condition and explanation record built up front), in one run.

The model, per case: one root node ``condition`` (every condition and the other-cause class;
its prior is the setting's, 0 where impossible for the age or sex) and one child per answered
variable: a plain binary node for each yes/no finding, and one categorical node per exclusive
group (a state per answer). A child's CPD gives the answer observed, per class, a probability
proportional to hipdx's likelihood ratio for it (scaled so the largest is 1; the other states
share the rest), so exact inference must give hipdx's posterior; a group answered only with
"no"s is a binary node for "one of the answers left". Unanswered findings are left out: summed
out, they would multiply every class by 1. Posteriors are checked to agree (within 1e-12) on
the seed case and every self-test vignette before any time is reported.

pgmpy 1.1 needs numpy>=2, which hipdx's venv cannot have (spaCy 3.7), so this runs in its own:

    bash bench/setup_pgmpy.sh && .venv-pgmpy/bin/python bench/bench_pgmpy.py [--repeat N] [--json]
"""

from __future__ import annotations

import argparse
import json
import logging
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from _previous import BASELINE_COMMIT, previous_and_current
from _timing import interleaved_median_times

import hipdx
from hipdx.inference.answers import encode
from hipdx.inference.case import Case
from hipdx.inference.posterior import Posterior, compute_posterior
from hipdx.kb.compiled import CompiledKB

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "seed_case_with_mri.json"
TOLERANCE = 1e-12
#: What a clinician is shown (the CLI): the top 8 conditions, 3 reasons each.
SHOWN, REASONS = 8, 3


def posterior_of(kb: CompiledKB, case: Case) -> Posterior:
    answers, _ = encode(case, kb)
    return compute_posterior(kb, answers, case.setting, case.age, case.sex)


def network(kb: CompiledKB, posterior: Posterior) -> tuple[Any, dict[str, int]]:
    """The Bayesian network of one case and the evidence of its answers."""
    from pgmpy.factors.discrete import TabularCPD
    from pgmpy.models import DiscreteBayesianNetwork

    classes = len(kb.condition_ids) + 1
    other = []
    for observation in posterior.observations:
        column = kb.finding_column(observation.finding) if observation.group is None else None
        table = kb.other_present if observation.present else kb.other_absent
        other.append(0.0 if column is None else float(table[column]))
    log_lr = np.vstack([posterior.log_lr, np.array(other)[None, :]])
    names = [f"answer_{j}" for j in range(len(posterior.observations))]
    model = DiscreteBayesianNetwork([("condition", name) for name in names])
    model.add_nodes_from(["condition"])
    cpds = [TabularCPD("condition", classes, posterior.pretest_probabilities.reshape(-1, 1))]
    evidence: dict[str, int] = {}
    for j, observation in enumerate(posterior.observations):
        likelihood = np.exp(log_lr[:, j] - log_lr[:, j].max())
        group = kb.group_of(observation.finding) if observation.group is not None else None
        if group is None or not observation.present:  # yes/no (or "one of the answers left")
            values, state = np.vstack([likelihood, 1.0 - likelihood]), 0
        else:  # one state per answer of the exclusive group
            members, state = group[0].members, group[1]
            values = np.tile((1.0 - likelihood) / (len(members) - 1), (len(members), 1))
            values[state] = likelihood
        cpds.append(
            TabularCPD(
                names[j], len(values), values, evidence=["condition"], evidence_card=[classes]
            )
        )
        evidence[names[j]] = state
    model.add_cpds(*cpds)
    model.check_model()
    return model, evidence


def pgmpy_query(model: Any, evidence: dict[str, int]) -> Any:
    from pgmpy.inference import VariableElimination

    inference = VariableElimination(model)
    return lambda: inference.query(["condition"], evidence=evidence, show_progress=False).values


def cases() -> dict[str, Case]:
    found = {"seed_case_with_mri": Case.model_validate(json.loads(EXAMPLE.read_text()))}
    for path in sorted((ROOT / "tests" / "vignettes").glob("*.jsonl")):
        for line in path.read_text().splitlines():
            if line.strip():
                v = json.loads(line)
                findings = {**v["findings"], **v.get("workup_findings", {})}
                found[v["id"]] = Case.model_validate(
                    {k: v[k] for k in ("age", "sex", "setting")} | {"findings": findings}
                )
    return found


def check_agreement(kb: CompiledKB) -> tuple[int, float]:
    """The number of cases and the largest difference between the two posteriors."""
    worst = 0.0
    all_cases = cases()
    for case in all_cases.values():
        posterior = posterior_of(kb, case)
        exact = pgmpy_query(*network(kb, posterior))()
        worst = max(worst, float(np.abs(exact - posterior.probabilities).max()))
    assert worst <= TOLERANCE, f"pgmpy and hipdx differ by {worst:.3g}"
    return len(all_cases), worst


def shown(case: Case, kb: CompiledKB) -> None:
    """An assessment, and what a clinician is shown of it."""
    assessment = hipdx.assess(case, knowledge=kb)
    for ranked in assessment.differential[:SHOWN]:
        ranked.explanation[:REASONS]


_SETUP = f"""
import json
import hipdx
from hipdx.inference.case import Case
case = Case.model_validate(json.loads(open({str(EXAMPLE)!r}).read()))
kb = hipdx.default_engine().knowledge
"""
_SHOWN = f"""
assessment = hipdx.assess(case, knowledge=kb)
for ranked in assessment.differential[:{SHOWN}]:
    ranked.explanation[:{REASONS}]
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3, help="previous-vs-current rounds")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    logging.getLogger("pgmpy").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=FutureWarning, module="pgmpy")
    kb = hipdx.default_engine().knowledge
    checked, worst = check_agreement(kb)
    case = cases()["seed_case_with_mri"]
    posterior = posterior_of(kb, case)
    times = interleaved_median_times(
        {
            "pgmpy": pgmpy_query(*network(kb, posterior)),
            "posterior": lambda: posterior_of(kb, case),
            "assess": lambda: hipdx.assess(case, knowledge=kb),
            "shown": lambda: shown(case, kb),
            "document": lambda: hipdx.assess(case, knowledge=kb).document(),
        },
        args.repeat,
    )
    paths = previous_and_current(_SETUP, _SHOWN, repeat=args.repeat, rounds=args.rounds)
    figures = {
        "cases_checked": checked,
        "largest_difference": worst,
        "observations": len(posterior.observations),
        "pgmpy_query_us": times["pgmpy"] * 1e6,
        "posterior_us": times["posterior"] * 1e6,
        "assess_us": times["assess"] * 1e6,
        "assess_shown_us": times["shown"] * 1e6,
        "assess_document_us": times["document"] * 1e6,
        "pgmpy_over_assess_shown": times["pgmpy"] / times["shown"],
        "pgmpy_over_posterior": times["pgmpy"] / times["posterior"],
        "previous_shown_us": paths["previous"] * 1e6,
        "current_shown_us": paths["current"] * 1e6,
        "previous_over_current": paths["previous"] / paths["current"],
        "baseline_commit": BASELINE_COMMIT,
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"posteriors agree on {checked} cases: largest difference {worst:.2g}")
    print(f"seed case with MRI: {figures['observations']} answered variables")
    rows = [
        ("pgmpy VariableElimination.query", "pgmpy_query_us"),
        ("hipdx posterior", "posterior_us"),
        ("hipdx.assess", "assess_us"),
        (f"hipdx.assess + top {SHOWN} shown ({REASONS} reasons)", "assess_shown_us"),
        ("hipdx.assess + full document()", "assess_document_us"),
        (f"previous code ({BASELINE_COMMIT}), assess + shown", "previous_shown_us"),
        ("this code, assess + shown (same rounds)", "current_shown_us"),
    ]
    for label, key in rows:
        print(f"{label:<48}{figures[key]:>10.1f} us")
    print(f"pgmpy / (assess + shown): {figures['pgmpy_over_assess_shown']:.1f}x")
    print(f"pgmpy / posterior: {figures['pgmpy_over_posterior']:.1f}x")
    print(f"previous / this code: {figures['previous_over_current']:.1f}x")


if __name__ == "__main__":
    main()
