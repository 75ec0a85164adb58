"""Vignettes replayed as interview patients: they answer what the vignette states (history,
examination and workup, coded by hand) and "don't know" to everything else."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from hipdx.evaluation._simulated_patients import SimulatedPatient
from hipdx.evaluation._vignettes import Vignette, load_vignettes
from hipdx.inference.answers import encode
from hipdx.inference.case import Case
from hipdx.issues import Issue, warning
from hipdx.kb.compiled import CompiledKB
from hipdx.kb.schema import FindingKind


def vignette_patients(
    kb: CompiledKB, paths: Iterable[Path]
) -> tuple[list[SimulatedPatient], list[Issue]]:
    """The coded vignettes of the JSON Lines files ``paths``, in order, as patients; an issue
    for each line that is not a vignette and each vignette without coded findings."""
    patients: list[SimulatedPatient] = []
    issues: list[Issue] = []
    for path in paths:
        vignettes, problems = load_vignettes(path)
        issues += problems
        for vignette in vignettes:
            if vignette.findings is None:
                issues.append(warning(f"{path.name}:{vignette.id}", "no coded findings"))
                continue
            patients.append(vignette_patient(kb, vignette))
    return patients, issues


def vignette_patient(kb: CompiledKB, vignette: Vignette) -> SimulatedPatient:
    """The patient of one coded vignette: its regions as the intake, every finding the coded
    case sets (directly or through a group or the age) as an answer."""
    findings = {**(vignette.findings or {}), **(vignette.workup_findings or {})}
    case = Case(age=vignette.age, sex=vignette.sex, setting=vignette.setting, findings=findings)
    answers, _ = encode(case, kb)
    known = dict.fromkeys(answers.present, True) | dict.fromkeys(answers.absent, False)
    regions = {f.id for f in kb.knowledge.findings if f.kind is FindingKind.REGION}
    return SimulatedPatient(
        truth=None,
        expected=tuple(vignette.expected),
        age=vignette.age,
        sex=vignette.sex,
        setting=vignette.setting,
        intake={f: b for f, b in known.items() if f in regions},
        answers=known,
    )
