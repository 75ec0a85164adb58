"""`hipdx kb check` catches each kind of knowledge error with file, id and field."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

import hipdx
from hipdx.issues import IssueLevel, errors_in
from hipdx.kb.build import check_knowledge

TINY = Path(__file__).parent / "fixtures" / "tiny_kb" / "tiny.yaml"
Edit = Callable[[dict], None]  # type: ignore[type-arg]


def _errors_after(tmp_path: Path, edit: Edit) -> list[str]:
    data = yaml.safe_load(TINY.read_text())
    edit(data)
    (tmp_path / "tiny.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    _, issues = check_knowledge(tmp_path)
    return [str(i) for i in errors_in(issues)]


def test_the_unchanged_fixture_is_valid(tmp_path: Path) -> None:
    assert _errors_after(tmp_path, lambda d: None) == []


def test_the_packaged_knowledge_base_is_valid() -> None:
    _, issues = check_knowledge()
    assert errors_in(issues) == []


def _duplicate_condition(d: dict) -> None:  # type: ignore[type-arg]
    d["conditions"].append(dict(d["conditions"][0]))


def _unknown_finding_in_evidence(d: dict) -> None:  # type: ignore[type-arg]
    d["conditions"][0]["evidence"][0]["finding"] = "f_pian"


def _probability_of_one(d: dict) -> None:  # type: ignore[type-arg]
    d["conditions"][0]["evidence"][0]["sensitivity"] = 1.0


def _prior_of_zero(d: dict) -> None:  # type: ignore[type-arg]
    d["conditions"][1]["priors"]["sports"]["value"] = 0.0


def _evidence_without_reference(d: dict) -> None:  # type: ignore[type-arg]
    del d["conditions"][0]["evidence"][0]["ref"]


def _evidence_without_grade(d: dict) -> None:  # type: ignore[type-arg]
    del d["conditions"][0]["evidence"][0]["grade"]


def _expert_estimate_without_rationale(d: dict) -> None:  # type: ignore[type-arg]
    d["conditions"][0]["evidence"][1]["note"] = ""


def _prior_weight_of_zero(d: dict) -> None:  # type: ignore[type-arg]
    d["triage"]["prior_weight"] = {"value": 0.0, "grade": "expert-estimate", "note": "no priors"}


def _prior_weight_without_rationale(d: dict) -> None:  # type: ignore[type-arg]
    d["triage"]["prior_weight"] = {"value": 0.5, "grade": "expert-estimate"}


def _uncited_reference(d: dict) -> None:  # type: ignore[type-arg]
    d["references"].append(
        {"id": "ref-unused", "citation": "Nobody N. Never cited. J None 2001;1:1", "year": 2001}
    )


def _one_publication_under_two_ids(d: dict) -> None:  # type: ignore[type-arg]
    d["references"][0]["doi"] = "10.1000/tests.1"
    d["references"].append(
        {
            "id": "ref-a-again",
            "citation": "Author A. The same study again. J Tests 2020",
            "year": 2020,
            "doi": "10.1000/TESTS.1",
        }
    )


def _bad_icd_code(d: dict) -> None:  # type: ignore[type-arg]
    d["conditions"][0]["icd10cm"] = "M99.999"


def _overlapping_groups(d: dict) -> None:  # type: ignore[type-arg]
    d["groups"].append(
        {"id": "g_other", "clinician": "Other", "lay": "Other?", "members": ["f_sudden", "f_pain"]}
    )


def _overlapping_thresholds(d: dict) -> None:  # type: ignore[type-arg]
    d["findings"].append(
        {
            "id": "f_hours",
            "kind": "history",
            "clinician": "Hours",
            "lay": "Hours?",
            "asker": "patient",
            "numeric": {
                "unit": "h",
                "plausible_min": 0,
                "plausible_max": 1000,
                "derive": [
                    {"finding": "f_sudden", "at_most": 24},
                    {"finding": "f_gradual", "at_least": 12},
                ],
            },
        }
    )


def _unknown_key(d: dict) -> None:  # type: ignore[type-arg]
    d["conditions"][0]["sensitivty"] = 0.5


def _group_answers_sum_above_one(d: dict) -> None:  # type: ignore[type-arg]
    d["conditions"][0]["evidence"].append(
        {
            "finding": "f_sudden",
            "sensitivity": 0.5,
            "specificity": 0.5,
            "grade": "expert-estimate",
            "note": "too much",
        }
    )


def _question_presupposing_an_unknown_region(d: dict) -> None:  # type: ignore[type-arg]
    d["findings"][0]["regions"] = ["f_nowhere"]


def _parts_naming_an_unknown_finding(d: dict) -> None:  # type: ignore[type-arg]
    d["findings"][0]["parts"] = ["f_nowhere"]


def _a_finding_its_own_part(d: dict) -> None:  # type: ignore[type-arg]
    d["findings"][0]["parts"] = [d["findings"][0]["id"]]


def _number_sources(sensitivity: dict, specificity: dict, grade: str) -> Edit:  # type: ignore[type-arg]
    def edit(d: dict) -> None:  # type: ignore[type-arg]
        row = d["conditions"][0]["evidence"][0]
        row.update(sensitivity_source=sensitivity, specificity_source=specificity, grade=grade)

    return edit


_CITED = {"grade": "study", "ref": "ref-a"}
_ESTIMATED = {"grade": "expert-estimate", "note": "the presenting-population convention"}


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            _number_sources(_CITED, _ESTIMATED, "study"),
            "the row's grade must be the weaker of its numbers' grades ('expert-estimate')",
        ),
        (
            _number_sources({"grade": "meta-analysis"}, _ESTIMATED, "expert-estimate"),
            "evidence[f_pain].sensitivity_source.ref: a number graded 'meta-analysis' has no "
            "reference",
        ),
        (
            _number_sources(_CITED, {"grade": "study", "ref": "ref-nowhere"}, "study"),
            "evidence[f_pain].specificity_source.ref: unknown reference id 'ref-nowhere'",
        ),
        (
            lambda d: d["conditions"][1]["evidence"][0].update(sensitivity_source=_CITED),
            "number sources go with sensitivity/specificity rows only",
        ),
        (_question_presupposing_an_unknown_region, "unknown region finding id 'f_nowhere'"),
        (_parts_naming_an_unknown_finding, "parts: unknown finding id 'f_nowhere'"),
        (_a_finding_its_own_part, "a finding cannot be a part of itself"),
        (_duplicate_condition, "conditions[cond_a]: id 'cond_a' is defined more than once"),
        (
            _unknown_finding_in_evidence,
            "conditions[cond_a].evidence[f_pian].finding: unknown finding id 'f_pian'",
        ),
        (
            _probability_of_one,
            "conditions[cond_a].evidence[f_pain].sensitivity: Input should be less than 1",
        ),
        (_prior_of_zero, "conditions[cond_b].priors.sports.value: Input should be greater than 0"),
        (
            _evidence_without_reference,
            "conditions[cond_a].evidence[f_pain].ref: a number graded 'study' has no reference",
        ),
        (_evidence_without_grade, "conditions[cond_a].evidence[f_pain].grade: Field required"),
        (_expert_estimate_without_rationale, "an expert estimate must say why"),
        (_prior_weight_of_zero, "triage.prior_weight.value: Input should be greater than 0"),
        (_prior_weight_without_rationale, "triage.prior_weight.note: an expert estimate must say"),
        (_uncited_reference, "reference 'ref-unused' is not cited by anything"),
        (
            _one_publication_under_two_ids,
            "references[ref-a-again]: the same doi as reference 'ref-a'",
        ),
        (_bad_icd_code, "conditions[cond_a].icd10cm: 'M99.999' is not an ICD-10-CM code"),
        (_overlapping_groups, "answer 'f_sudden' is also in group 'g_onset'"),
        (_overlapping_thresholds, "'f_sudden' and 'f_gradual' overlap"),
        (_unknown_key, "conditions[cond_a].sensitivty: Extra inputs are not permitted"),
        (_group_answers_sum_above_one, "P(answer | condition) sums to 1.400"),
    ],
)
def test_each_kind_of_error_is_reported_precisely(
    tmp_path: Path, edit: Edit, expected: str
) -> None:
    errors = _errors_after(tmp_path, edit)
    assert any(expected in e and "tiny.yaml" in e for e in errors), errors


def test_a_row_may_cite_its_sensitivity_and_estimate_its_specificity(tmp_path: Path) -> None:
    def edit(d: dict) -> None:  # type: ignore[type-arg]
        _number_sources(_CITED, _ESTIMATED, "expert-estimate")(d)
        d["conditions"][0]["evidence"][0]["note"] = "sensitivity from ref-a; specificity estimated"

    assert _errors_after(tmp_path, edit) == []
    knowledge, _ = check_knowledge(tmp_path)
    assert knowledge is not None  # the file `edit` wrote
    row = knowledge.conditions[0].evidence[0]
    assert [g.value for g in row.number_grades()] == ["study", "expert-estimate"]


def test_an_estimated_number_must_say_why_in_its_own_note_or_the_rows(tmp_path: Path) -> None:
    silent = _number_sources(_CITED, {"grade": "expert-estimate"}, "expert-estimate")
    errors = _errors_after(tmp_path, silent)
    assert any("specificity_source.note" in e and "must say why" in e for e in errors), errors

    def with_row_note(d: dict) -> None:  # type: ignore[type-arg]
        silent(d)
        d["conditions"][0]["evidence"][0]["note"] = "specificity from the KB's convention"

    assert _errors_after(tmp_path, with_row_note) == []


def test_invalid_yaml_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("conditions: [\n")
    shutil.copy(TINY, tmp_path / "tiny.yaml")
    _, issues = check_knowledge(tmp_path)
    assert any("broken.yaml" in str(i) and "not valid YAML" in str(i) for i in issues)


def test_a_key_given_twice_in_one_mapping_is_an_error_not_a_silent_overwrite(
    tmp_path: Path,
) -> None:
    """A merge can leave a second ``synonyms:`` in a finding; YAML would keep the last one and
    quietly replace the finding's words, so the knowledge base refuses it, naming the key and
    the line."""
    text = TINY.read_text()
    first = text.index("  - id: cond_a")
    line_end = text.index("\n", first)
    doubled = text[:line_end] + "\n    id: twice" + text[line_end:]
    (tmp_path / "tiny.yaml").write_text(doubled)
    _, issues = check_knowledge(tmp_path)
    assert any("tiny.yaml" in str(i) and "found the key 'id' twice" in str(i) for i in issues), [
        str(i) for i in issues
    ]


def test_a_folder_without_knowledge_is_an_error(tmp_path: Path) -> None:
    knowledge, issues = check_knowledge(tmp_path)
    assert knowledge is None
    assert "no knowledge files" in str(issues[0])


def test_the_version_is_a_hash_of_the_content(tmp_path: Path) -> None:
    shutil.copy(TINY, tmp_path / "tiny.yaml")
    first, _ = check_knowledge(tmp_path)
    (tmp_path / "tiny.yaml").write_text(TINY.read_text() + "\n# a comment changes the content\n")
    second, _ = check_knowledge(tmp_path)
    assert first is not None and second is not None
    assert first.version != second.version and len(first.version) == 12


def _pain_rows(specificities: tuple[float, float, float]) -> Edit:
    def edit(d: dict) -> None:  # type: ignore[type-arg]
        for condition, specificity in zip(d["conditions"], specificities, strict=True):
            rows = [r for r in condition.get("evidence", []) if r["finding"] != "f_pain"]
            rows.append(
                {
                    "finding": "f_pain",
                    "sensitivity": 0.8,
                    "specificity": specificity,
                    "grade": "expert-estimate",
                    "note": "test fixture row",
                }
            )
            condition["evidence"] = rows

    return edit


def _warnings_after(tmp_path: Path, edit: Edit) -> list[str]:
    data = yaml.safe_load(TINY.read_text())
    edit(data)
    (tmp_path / "tiny.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    _, issues = check_knowledge(tmp_path)
    return [str(i) for i in issues if i.level is IssueLevel.WARNING]


def test_a_specificity_from_a_narrow_comparator_is_pointed_out(tmp_path: Path) -> None:
    """Every row's 1 - specificity estimates the finding's rate among the same other
    presenters; one row far from the rest was probably measured in a referred cohort."""
    warnings = _warnings_after(tmp_path, _pain_rows((0.8, 0.85, 0.3)))
    assert len(warnings) == 1
    assert "conditions[cond_c].evidence[f_pain].specificity" in warnings[0]
    assert "70% of other presenters" in warnings[0]


def test_consistent_specificities_raise_no_comparator_warning(tmp_path: Path) -> None:
    assert _warnings_after(tmp_path, _pain_rows((0.8, 0.85, 0.75))) == []


PACKAGED = Path(hipdx.__file__).parent / "knowledge"


def _language_errors_after(tmp_path: Path, name: str, edit: Edit) -> list[str]:
    """The errors of the packaged knowledge with one language resource edited."""
    root = tmp_path / "knowledge"
    shutil.copytree(PACKAGED, root)
    path = root / "language" / name
    data = yaml.safe_load(path.read_text())
    edit(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    _, issues = check_knowledge(root)
    return [str(i) for i in errors_in(issues)]


@pytest.mark.parametrize(
    ("name", "edit", "expected"),
    [
        (
            "context_words.yaml",
            lambda d: d.update(presenting_durations=["pain_duration_week"]),
            "language/context_words.yaml: presenting_durations: unknown finding id "
            "'pain_duration_week' (fix: did you mean pain_duration_weeks",
        ),
        (
            "context_words.yaml",
            lambda d: d["onset_before_region"].update(acute="onset_suden"),
            "language/context_words.yaml: onset_before_region[acute]: unknown finding id "
            "'onset_suden' (fix: did you mean onset_sudden",
        ),
        (
            "lexicon.yaml",
            lambda d: d["shared_phrases"].update(amenorrhoea=["pregnancy_posible"]),
            "language/lexicon.yaml: shared_phrases[amenorrhoea]: unknown finding id "
            "'pregnancy_posible' (fix: did you mean pregnancy_possible",
        ),
        (
            "measurements.yaml",
            lambda d: d["cues"].update(crp_mg_per_litre=["CRP"]),
            "language/measurements.yaml: cues: unknown finding id 'crp_mg_per_litre' "
            "(fix: did you mean crp_mg_per_l",
        ),
    ],
)
def test_a_language_resource_naming_an_unknown_finding_is_an_error(
    tmp_path: Path, name: str, edit: Edit, expected: str
) -> None:
    """Named with the file, the place in it and the closest finding id first."""
    errors = _language_errors_after(tmp_path, name, edit)
    assert any(e.startswith(f"error: {expected}") for e in errors), errors


def test_an_unknown_key_in_a_language_resource_is_an_error_naming_the_file(
    tmp_path: Path,
) -> None:
    errors = _language_errors_after(tmp_path, "context_words.yaml", lambda d: d.update(sidez=[]))
    assert any(e.startswith("error: language/context_words.yaml: sidez") for e in errors), errors


def test_every_finding_id_of_the_packaged_language_resources_is_checked() -> None:
    knowledge, _ = check_knowledge()
    assert knowledge is not None and knowledge.language is not None
    checked = {f for _, _, f in knowledge.language.finding_references()}
    assert {"pain_bilateral", "pain_duration_weeks", "onset_sudden", "age_years"} <= checked
