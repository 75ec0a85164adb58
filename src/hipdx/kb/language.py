"""The language resources' format (``knowledge/language/``): the words intake reads text with.

Three YAML files, each a pydantic model that rejects unknown keys: ``lexicon.yaml``
(`LexiconRules`: phrases shared by several findings, phrases that name a finding in one status
only, phrases that name none, overrides, test analytes, work-up diagnoses), ``measurements.yaml``
(`MeasurementRules`: units, conversions, cues, vital-sign readings) and ``context_words.yaml``
(`ContextWords`: result, side, history and examination words); ``context_rules.json`` holds
medspaCy's ConText rules in medspaCy's own format. The finding vocabulary itself (synonyms,
wording) is in the findings files.

Each model says which finding ids it refers to (``finding_references``), so that `hipdx kb check`
can report an unknown one with its file and the closest id (`hipdx.kb.validate`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from hipdx.issues import Issue, error

_BASE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(_BASE_LOADER):  # type: ignore[valid-type,misc]
    """The safe loader, refusing a mapping that names a key twice: YAML keeps the last silently,
    so a second ``synonyms:`` left by a merge would replace a finding's words unseen."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, str) and key in seen:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    f"found the key {key!r} twice",
                    key_node.start_mark,
                )
            seen.add(key)
        return dict(super().construct_mapping(node, deep=deep))


#: libyaml's safe loader when PyYAML was built with it (the same data, several times faster),
#: else the pure-Python one; both refuse a key given twice in one mapping.
SAFE_LOADER: type[yaml.SafeLoader] = _UniqueKeyLoader

#: The folder of the language resources inside a knowledge folder.
LANGUAGE_FOLDER = "language"
#: The ConText rules file (medspaCy's format) inside the language folder.
CONTEXT_RULES = "context_rules.json"
#: In a phrase, stands for a number in the text, in digits or words ("runs <n> miles" matches
#: "runs 40 miles" and "runs sixty-five miles").
NUMBER = "<n>"
#: In a phrase, stands for up to five words of the same clause ("can cycle <...> but cannot walk
#: far" matches "can cycle for an hour but cannot walk far").
GAP = "<...>"

#: (where in the file, finding id) for every finding id a resource refers to.
References = Iterator[tuple[str, str]]


class Side(StrEnum):
    LEFT = "left"
    RIGHT = "right"
    BILATERAL = "bilateral"


class AnalyteTest(BaseModel):
    """The test phrases of one finding and the analytes it reports."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    tests: list[str]
    analytes: list[str]


class AnalyteRules(BaseModel):
    """``test_analytes`` in ``language/lexicon.yaml``: a test named with what it looks for
    ("urine dipstick negative for blood") names the test's finding, read from its result words."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    findings: dict[str, AnalyteTest] = Field(default_factory=dict)
    between: list[str] = Field(default_factory=list)
    max_between: int = 8
    absent_words: list[str] = Field(default_factory=list)
    shows: list[str] = Field(default_factory=list)
    not_after: list[str] = Field(default_factory=list)


class ImagingSite(BaseModel):
    """One anatomical site of ``imaging_sites``: its words, and the finding each kind of lesion
    there names."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    words: list[str] = Field(min_length=1)
    findings: dict[str, str] = Field(min_length=1)


class ImagingSites(BaseModel):
    """``imaging_sites`` in ``language/lexicon.yaml``: a lesion and the site it is at, in either
    order and a few words apart within a clause ("high signal on STIR in the left sacral ala",
    "the right psoas contained a collection"), name the finding the site gives that lesion."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    max_between: int = Field(default=5, ge=0, le=10)
    stops: list[str] = Field(default_factory=list)
    # words that do not count towards `max_between` (a sequence, a view, a measurement: "high
    # signal on the T2-STIR image at L4", "enhancement measuring 7 x 4 cm in the psoas"); a
    # number ("7.0", "6.8x3.3") is always one
    fillers: list[str] = Field(default_factory=list)
    max_fillers: int = Field(default=10, ge=0, le=20)
    lesions: dict[str, list[str]] = Field(default_factory=dict)
    sites: dict[str, ImagingSite] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _lesions_are_defined(self) -> ImagingSites:
        for name, site in self.sites.items():
            unknown = sorted(set(site.findings) - set(self.lesions))
            if unknown:
                raise ValueError(f"site '{name}' names undefined lesions: {', '.join(unknown)}")
        return self


class WorkupDiagnoses(BaseModel):
    """``workup_diagnoses`` in ``language/lexicon.yaml``: a history finding named after a
    work-up word ("biopsy confirmed adenocarcinoma") is this presentation's diagnosis."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    findings: list[str] = Field(default_factory=list)
    words: list[str] = Field(default_factory=list)


class BlanketSubject(BaseModel):
    """One thing examined or tested as a whole ("vital signs", "the abdomen", "radiographs") and
    the findings its being normal rules out."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    words: list[str] = Field(min_length=1)
    findings: list[str] = Field(min_length=1)
    normal_words: list[str] | None = None  # instead of the shared normal words
    # A test of one part of the body: ``words`` name the test ("MRI", "computed tomography") and
    # one of ``sites`` must be named with it, at most ``site_between`` words before or after in
    # the same clause ("MRI of the right hip", "lumbar spine MRI", "CT of the abdomen and pelvis")
    sites: list[str] | None = Field(default=None, min_length=1)
    site_between: int = Field(default=4, ge=0, le=8)


class BlanketNormals(BaseModel):
    """``blanket_normals`` in ``language/lexicon.yaml``: a whole examination or test called
    normal in one clause ("vital signs were normal", "abdomen soft and non-tender", "X-rays
    unremarkable") is each of the findings it covers, absent."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    normal_words: list[str] = Field(default_factory=list)
    max_between: int = 6
    stops: list[str] = Field(default_factory=list)  # words that end the clause ("but", ";")
    subjects: list[BlanketSubject] = Field(default_factory=list)


class LabLevels(BaseModel):
    """``lab_levels`` in ``language/lexicon.yaml``: a laboratory value called raised or normal
    ("increased leukocytes", "C-reactive protein and ESR were elevated", "normal leucocyte
    count"). Each analyte word of a finding, with each raised word before it or after a copula,
    is a phrase for that finding; with a normal word, a phrase for its absence (a normal word
    is an ``absent_words`` word of context_words.yaml)."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    raised: list[str] = Field(default_factory=list)
    normal: list[str] = Field(default_factory=list)
    findings: dict[str, list[str]] = Field(default_factory=dict)

    def phrases(self) -> dict[str, list[str]]:
        """Every phrase and the findings it names: "<raised> <analyte>", "<analyte> <raised>",
        "<analyte> was <raised>" (the copula stands for any, with words between: "... and ESR
        were elevated"), and the same with the normal words."""
        found: dict[str, list[str]] = {}
        for finding, analytes in self.findings.items():
            for analyte in analytes:
                for level in (*self.raised, *self.normal):
                    for phrase in (
                        f"{level} {analyte}",
                        f"{analyte} {level}",
                        f"{analyte} was {level}",
                    ):
                        named = found.setdefault(" ".join(phrase.split()), [])
                        if finding not in named:
                            named.append(finding)
        return found


class LexiconRules(BaseModel):
    """``language/lexicon.yaml``: phrases that name more than one finding, phrases that name a
    finding only when negated, and phrases that name no finding although a finding's phrase is
    inside them ("accident and emergency")."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    shared_phrases: dict[str, list[str]] = Field(default_factory=dict)
    absence_only: dict[str, list[str]] = Field(default_factory=dict)
    presence_only: dict[str, list[str]] = Field(default_factory=dict)
    # phrases whose affirmation is the finding's absence ("postmenopausal": no pregnancy)
    denials: dict[str, list[str]] = Field(default_factory=dict)
    not_findings: list[str] = Field(default_factory=list)
    overrides: dict[str, list[str]] = Field(default_factory=dict)
    result_required: list[str] = Field(default_factory=list)
    test_analytes: AnalyteRules = Field(default_factory=AnalyteRules)
    lab_levels: LabLevels = Field(default_factory=LabLevels)
    workup_diagnoses: WorkupDiagnoses = Field(default_factory=WorkupDiagnoses)
    imaging_sites: ImagingSites = Field(default_factory=ImagingSites)
    blanket_normals: BlanketNormals = Field(default_factory=BlanketNormals)
    # word stems that make a clause clinical, for the report of what was not understood
    clinical_stems: list[str] = Field(default_factory=list)
    # everyday words that a clinical word list may contain but that alone say nothing clinical
    not_clinical: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _lab_levels_are_shared_phrases(self) -> LexiconRules:
        """The phrases of ``lab_levels`` join ``shared_phrases`` (a phrase listed there keeps
        its own findings)."""
        extra = {p: f for p, f in self.lab_levels.phrases().items() if p not in self.shared_phrases}
        if extra:
            object.__setattr__(self, "shared_phrases", {**self.shared_phrases, **extra})
        return self

    def not_findings_pattern(self) -> re.Pattern[str] | None:
        """One case-insensitive pattern for the ``not_findings`` phrases (``<n>``: a number)."""
        if not self.not_findings:
            return None
        phrases = sorted(self.not_findings, key=len, reverse=True)
        alternatives = "|".join(
            r"\s+".join(re.escape(w) for w in p.split()).replace(re.escape(NUMBER), r"\d+")
            for p in phrases
        )
        return re.compile(r"(?<![A-Za-z])(?:" + alternatives + r")(?![A-Za-z])", re.IGNORECASE)

    def finding_references(self) -> References:
        for name in ("shared_phrases", "absence_only", "presence_only", "denials"):
            for phrase, findings in getattr(self, name).items():
                yield from ((f"{name}[{phrase}]", f) for f in findings)
        for finding, overridden in self.overrides.items():
            yield f"overrides[{finding}]", finding
            yield from ((f"overrides[{finding}]", f) for f in overridden)
        yield from (("test_analytes.findings", f) for f in self.test_analytes.findings)
        yield from (("lab_levels.findings", f) for f in self.lab_levels.findings)
        yield from (("workup_diagnoses.findings", f) for f in self.workup_diagnoses.findings)
        for name, site in self.imaging_sites.sites.items():
            yield from ((f"imaging_sites.sites[{name}]", f) for f in site.findings.values())
        for i, subject in enumerate(self.blanket_normals.subjects):
            yield from ((f"blanket_normals.subjects[{i}]", f) for f in subject.findings)


class ContextWords(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    positive: frozenset[str]
    negative: frozenset[str]
    clause_breaks: frozenset[str]
    result_fillers: frozenset[str] = frozenset()
    sides: dict[Side, frozenset[str]]
    strip_prefixes: tuple[str, ...] = ()
    copulas: frozenset[str] = frozenset()
    copula_negations: frozenset[str] = frozenset()
    absent_words: frozenset[str] = frozenset()
    bilateral_finding: str | None = None
    pain_words: frozenset[str] = frozenset()
    history_findings: tuple[str, ...] = ()
    family_findings: tuple[str, ...] = ()
    region_in_phrase_kinds: frozenset[str] = frozenset()
    current_only_findings: frozenset[str] = frozenset()
    ongoing_triggers: frozenset[str] = frozenset()
    result_findings: frozenset[str] = frozenset()
    phrase_results: frozenset[str] = frozenset()
    test_nouns: frozenset[str] = frozenset()
    result_passes: frozenset[str] = frozenset()
    pain_modifiers: frozenset[str] = frozenset()
    presenting_durations: frozenset[str] = frozenset()
    spellings: tuple[tuple[str, str], ...] = ()
    onset_before_region: dict[str, str] = {}
    onset_stops: frozenset[str] = frozenset()
    anatomy_in_imaging: frozenset[str] = frozenset()
    imaging_words: frozenset[str] = frozenset()
    examined_anatomy: frozenset[str] = frozenset()
    word_forms: dict[str, list[str]] = {}
    word_fillers: dict[str, list[str]] = {}
    distributive_words: frozenset[str] = frozenset()
    distributive_stops: frozenset[str] = frozenset()
    level_joiners: frozenset[str] = frozenset()
    number_qualifiers: frozenset[str] = frozenset()

    def finding_references(self) -> References:
        if self.bilateral_finding is not None:
            yield "bilateral_finding", self.bilateral_finding
        for name in ("current_only_findings", "presenting_durations"):
            yield from ((name, f) for f in sorted(getattr(self, name)))
        for word, finding in self.onset_before_region.items():
            yield f"onset_before_region[{word}]", finding


class Reading(BaseModel):
    """A number read against the threshold of a boolean finding's own wording (or the usual
    clinical cut-off): "BP 82/50" is a systolic pressure under 90 mmHg, so hypotension
    (``hypotension_shock``) is present; "power 2/5" is a severe motor deficit."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    finding: str
    patterns: list[str] = Field(min_length=1)  # regular expressions with a `value` group
    below: float | None = None  # the finding is present when the value is under this ...
    above: float | None = None  # ... or over this
    absent_from: float | None = None  # absent at or beyond this (default: the threshold)
    sets_absent: bool = True  # False: a value on the other side says nothing
    plausible: tuple[float, float]
    source: str  # where the threshold comes from

    @model_validator(mode="after")
    def _one_threshold(self) -> Reading:
        if (self.below is None) == (self.above is None):
            raise ValueError(f"reading for {self.finding}: give exactly one of below / above")
        return self

    def decide(self, value: float) -> bool | None:
        """Present (True), absent (False) or nothing said (None) at ``value``."""
        if self.below is not None:
            if value < self.below:
                return True
            absent = value >= (self.below if self.absent_from is None else self.absent_from)
        else:
            assert self.above is not None
            if value > self.above:
                return True
            absent = value <= (self.above if self.absent_from is None else self.absent_from)
        return False if absent and self.sets_absent else None


class MeasurementRules(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    class Unit(BaseModel):
        model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)
        unit: str
        aliases: list[str] = Field(min_length=1)
        self_evident: bool = False

    class Conversion(BaseModel):
        model_config = ConfigDict(
            frozen=True, extra="forbid", populate_by_name=True, defer_build=True
        )
        source: str = Field(alias="from")
        target: str = Field(alias="to")
        factor: float = Field(gt=0)
        offset: float = 0.0  # added after the factor (degrees Fahrenheit to Celsius)

    units: list[Unit]
    conversions: list[Conversion] = []
    cues: dict[str, list[str]] = {}
    cue_window: int = Field(default=60, ge=1)
    shorthand_ages: list[str] = []
    time_points: list[str] = []
    onset_words: list[str] = []
    latency_words: list[str] = []
    followers: dict[str, list[str]] = {}
    links: list[str] = []
    activity_words: list[str] = []
    gestation_words: list[str] = []
    point_words_before: list[str] = []
    label_words: list[str] = []
    rate_before: list[str] = []
    readings: list[Reading] = []
    time_units: list[str] = []
    # analytes the knowledge base has no finding for ("creatinine 3.4 mg/dL", "BUN 40 mg/dl"):
    # a number right after one belongs to none
    other_analytes: list[str] = []
    # words right after a time quantity that make it how long something else lasted ("two weeks
    # of intensive walking", "a day or two of rest")
    activity_after: list[str] = []

    def finding_references(self) -> References:
        yield from (("cues", f) for f in self.cues)
        yield from ((f"readings[{r.finding}]", r.finding) for r in self.readings)


_Model = TypeVar("_Model", LexiconRules, MeasurementRules, ContextWords)


@dataclass(frozen=True)
class Language:
    """The language resources of one knowledge folder."""

    lexicon: LexiconRules
    measurements: MeasurementRules
    context_words: ContextWords

    def finding_references(self) -> Iterator[tuple[str, str, str]]:
        """(file, where in it, finding id) for every finding id the resources refer to."""
        for name, resource in (
            ("lexicon.yaml", self.lexicon),
            ("measurements.yaml", self.measurements),
            ("context_words.yaml", self.context_words),
        ):
            for where, finding in resource.finding_references():
                yield f"{LANGUAGE_FOLDER}/{name}", where, finding


def read_resource(folder: Path | Traversable, name: str, model: type[_Model]) -> _Model:
    """One YAML resource of ``folder``, validated (raises `ValidationError`)."""
    return model.model_validate(yaml.load(folder.joinpath(name).read_text(), Loader=SAFE_LOADER))


def load_language(folder: Path | Traversable) -> tuple[Language | None, list[Issue]]:
    """The resources of a language folder, or the problems that keep them from being read."""
    issues: list[Issue] = []
    lexicon = _read(folder, "lexicon.yaml", LexiconRules, issues)
    measurements = _read(folder, "measurements.yaml", MeasurementRules, issues)
    context_words = _read(folder, "context_words.yaml", ContextWords, issues)
    issues.extend(_check_context_rules(folder))
    if lexicon is None or measurements is None or context_words is None or issues:
        return None, issues
    return Language(lexicon, measurements, context_words), issues


def _read(
    folder: Path | Traversable, name: str, model: type[_Model], issues: list[Issue]
) -> _Model | None:
    where = f"{LANGUAGE_FOLDER}/{name}"
    try:
        return read_resource(folder, name, model)
    except (OSError, yaml.YAMLError) as exc:
        issues.append(error(where, f"cannot be read: {exc}"[:300]))
    except ValidationError as exc:
        issues.extend(
            error(f"{where}: {'.'.join(map(str, p['loc']))}", p["msg"]) for p in exc.errors()
        )
    return None


def _check_context_rules(folder: Path | Traversable) -> list[Issue]:
    where = f"{LANGUAGE_FOLDER}/{CONTEXT_RULES}"
    try:
        data = json.loads(folder.joinpath(CONTEXT_RULES).read_text())
    except (OSError, ValueError) as exc:
        return [error(where, f"cannot be read: {exc}"[:300])]
    if not isinstance(data, dict) or not isinstance(data.get("context_rules"), list):
        return [error(where, "must be an object with a 'context_rules' list (medspaCy's format)")]
    return []
