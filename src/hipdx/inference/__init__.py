"""Assessing a case: the input (`case`), its encoding into answers (`answers`), the posterior
in log-odds (`posterior`), red flags and triage (`triage`), where a case stands
(`snapshot`), and the assessment with its explanation records (`assess`, `assessment`).
Pure: no I/O, no NLP, no interface.
"""

from __future__ import annotations

from hipdx.inference.assess import assess_case
from hipdx.inference.assessment import Assessment
from hipdx.inference.case import Case, case_from
from hipdx.inference.snapshot import Patient, Snapshot, take_snapshot

__all__ = ["Assessment", "Case", "Patient", "Snapshot", "assess_case", "case_from", "take_snapshot"]
