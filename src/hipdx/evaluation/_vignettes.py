"""Vignettes in the evaluation format of DESIGN.md, read from JSON Lines."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from hipdx._types import Setting, Sex, TriageLevel
from hipdx.inference.case import Answer
from hipdx.issues import Issue, error

#: A web address, a DOI or a PubMed id inside a ``source`` citation.
_ADDRESS = re.compile(r"https?://\S+|10\.\d{4,}/\S+|PMID:?\s*\d+", re.IGNORECASE)


def source_addresses(source: str) -> frozenset[str]:
    """The web addresses, DOIs and PubMed ids a ``source`` citation gives, lower case and
    without trailing punctuation: what shows that two cases or passages come from one
    publication."""
    return frozenset(a.rstrip(";,.)").lower() for a in _ADDRESS.findall(source))


class Vignette(BaseModel):
    """One case: history and examination (``text``), workup, and what it turned out to be.
    ``findings`` / ``workup_findings`` are the same case coded by hand (optional)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    source: str = ""
    text: str = ""
    workup: str = ""
    age: float | None = Field(default=None, ge=0, le=120)
    sex: Sex | None = None
    setting: Setting = Setting.PRIMARY_CARE
    expected: list[str] = Field(min_length=1)
    expected_triage: TriageLevel | None = None
    findings: dict[str, Answer] | None = None
    workup_findings: dict[str, Answer] | None = None

    @field_validator("setting", mode="before")
    @classmethod
    def _unknown_setting_is_primary_care(cls, value: object) -> object:
        return Setting.PRIMARY_CARE if value is None else value


def load_vignettes(path: Path) -> tuple[list[Vignette], list[Issue]]:
    """Every valid vignette in the file, and a problem for each line that is not one."""
    vignettes: list[Vignette] = []
    issues: list[Issue] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path.name}:{number}"
        try:
            vignettes.append(Vignette.model_validate(json.loads(line)))
        except json.JSONDecodeError as exc:
            issues.append(error(where, f"not valid JSON: {exc.msg}"))
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()
            )
            issues.append(error(where, f"not a vignette: {problems}"))
    return vignettes, issues


def load_vignette_files(paths: Sequence[Path]) -> tuple[list[Vignette], list[Issue]]:
    """The vignettes of one or more files, pooled: from several files each id is prefixed with
    its file's name ("validation_2:v017"), so that cases of different parts never share an id; a
    file named twice is read once. A missing file is an issue, not an exception."""
    vignettes: list[Vignette] = []
    issues: list[Issue] = []
    unique = list(dict.fromkeys(paths))
    for path in unique:
        if not path.is_file():
            issues.append(error(str(path), "no such file"))
            continue
        found, problems = load_vignettes(path)
        issues.extend(problems)
        if len(unique) > 1:
            found = [v.model_copy(update={"id": f"{path.stem}:{v.id}"}) for v in found]
        vignettes.extend(found)
    return vignettes, issues
