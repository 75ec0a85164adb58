"""Bad case input gets a clear error that says how to fix it."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

import hipdx
from hipdx.kb.compiled import CompiledKB


def _issues(kb: CompiledKB, case: dict) -> list[str]:  # type: ignore[type-arg]
    with pytest.raises(hipdx.InvalidCaseError) as caught:
        hipdx.assess(case, knowledge=kb)
    return [str(i) for i in caught.value.issues]


def test_an_unknown_finding_names_the_closest_known_ids(kb: CompiledKB) -> None:
    (issue,) = _issues(kb, {"findings": {"faber_postive": True}})
    assert "unknown finding id 'faber_postive'" in issue
    assert "faber_positive" in issue


def test_a_question_id_asks_for_one_of_its_answers(kb: CompiledKB) -> None:
    (issue,) = _issues(kb, {"findings": {"onset": True}})
    assert "onset_sudden" in issue and "onset_gradual" in issue


def test_two_answers_of_one_exclusive_question_contradict(kb: CompiledKB) -> None:
    (issue,) = _issues(kb, {"findings": {"onset_sudden": True, "onset_gradual": True}})
    assert "contradictory" in issue


def test_a_number_that_contradicts_an_explicit_answer_is_reported(kb: CompiledKB) -> None:
    (issue,) = _issues(
        kb, {"findings": {"ischiofemoral_distance_mm": 12, "ischiofemoral_space_narrow": False}}
    )
    assert "contradictory" in issue and "ischiofemoral_space_narrow" in issue


def test_the_case_sex_contradicting_a_sex_finding_is_reported(kb: CompiledKB) -> None:
    (issue,) = _issues(kb, {"sex": "male", "findings": {"sex_female": True}})
    assert "contradictory" in issue


def test_a_boolean_finding_given_a_number_is_an_error(kb: CompiledKB) -> None:
    (issue,) = _issues(kb, {"findings": {"fever": 39}})
    assert "true or false" in issue


def test_an_implausible_measurement_is_an_error(kb: CompiledKB) -> None:
    (issue,) = _issues(kb, {"findings": {"temperature_celsius": 389}})
    assert "plausible range" in issue


def test_a_measurement_sets_the_finding_its_threshold_names(kb: CompiledKB) -> None:
    febrile = hipdx.assess({"findings": {"temperature_celsius": 38.9}}, knowledge=kb)
    explicit = hipdx.assess({"findings": {"fever": True}}, knowledge=kb)
    assert febrile.results.differential == explicit.results.differential


def test_unknown_top_level_keys_and_bad_types_are_rejected() -> None:
    with pytest.raises(ValidationError):
        hipdx.Case.model_validate({"agee": 30})
    with pytest.raises(ValidationError):
        hipdx.Case.model_validate({"findings": {"fever": "yes"}})
    with pytest.raises(ValidationError):
        hipdx.Case.model_validate({"age": -3})
