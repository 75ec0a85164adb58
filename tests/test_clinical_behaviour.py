"""Clinical behaviour of the packaged knowledge base, written as specifications."""

from __future__ import annotations

from typing import Any

import pytest

import hipdx
from hipdx.kb.compiled import CompiledKB


def fired(result: hipdx.Assessment) -> set[str]:
    """The red flags an assessment raised."""
    return {flag.red_flag for flag in result.results.red_flags}


HIP_REGIONS = ["pain_groin", "pain_anterior_hip", "pain_lateral_hip", "pain_buttock"]


def test_the_seed_case_from_the_presentation_keeps_ischiofemoral_impingement_in_view(
    kb: CompiledKB, seed_case: dict[str, Any]
) -> None:
    """A 31-year-old woman training for a marathon, groin and buttock pain, clicking, positive
    FABER, no weakness or paraesthesia. IFIS has no specific clinical sign here: it must still rank
    ahead of the conditions the presentation speaks against (osteoarthritis at 31, radiculopathy
    without paraesthesia or deficit)."""
    result = hipdx.assess(seed_case, knowledge=kb)
    rank = result.rank_of("ischiofemoral_impingement")
    assert rank is not None
    assert rank < result.rank_of("hip_osteoarthritis")  # type: ignore[operator]
    assert rank < result.rank_of("lumbar_radiculopathy")  # type: ignore[operator]


def test_the_seed_case_mri_raises_ischiofemoral_impingement_into_the_top_three(
    kb: CompiledKB, seed_case: dict[str, Any], seed_case_with_mri: dict[str, Any]
) -> None:
    """Quadratus femoris oedema with fatty change carries IFIS even though the ischiofemoral space
    (25 mm) is not narrowed by the usual 15 mm cut-off."""
    before = hipdx.assess(seed_case, knowledge=kb)
    after = hipdx.assess(seed_case_with_mri, knowledge=kb)
    rank = after.rank_of("ischiofemoral_impingement")
    assert rank is not None and rank <= 3
    p_before = next(
        r.probability for r in before.differential if r.condition == "ischiofemoral_impingement"
    )
    p_after = next(
        r.probability for r in after.differential if r.condition == "ischiofemoral_impingement"
    )
    assert p_after > 3 * p_before


def test_the_seed_case_meets_the_issue_specification(
    kb: CompiledKB, seed_case: dict[str, Any], seed_case_with_mri: dict[str, Any]
) -> None:
    """Issue 2: IFIS in the top five from the presentation, first or second with the MRI."""
    presentation = hipdx.assess(seed_case, knowledge=kb).rank_of("ischiofemoral_impingement")
    with_mri = hipdx.assess(seed_case_with_mri, knowledge=kb).rank_of("ischiofemoral_impingement")
    assert presentation is not None and presentation <= 5
    assert with_mri is not None and with_mri <= 2


@pytest.mark.parametrize("region", HIP_REGIONS)
@pytest.mark.parametrize("risk", ["immunosuppression", "iv_drug_use"])
def test_fever_with_immunosuppression_and_hip_pain_is_never_below_urgent(
    kb: CompiledKB, region: str, risk: str
) -> None:
    result = hipdx.assess(
        {"age": 60, "findings": {"fever": True, risk: True, region: True}}, knowledge=kb
    )
    assert result.triage.level in ("urgent", "emergency")


def test_saddle_numbness_with_back_pain_is_an_emergency_whatever_else_is_reassuring(
    kb: CompiledKB,
) -> None:
    result = hipdx.assess(
        {
            "age": 40,
            "findings": {
                "pain_low_back": True,
                "saddle_anaesthesia": True,
                "slr_positive": False,
                "fever": False,
                "duration_over_3_months": True,
            },
        },
        knowledge=kb,
    )
    assert result.triage.level == "emergency"
    assert "cauda_equina_signs" in [f.red_flag for f in result.results.red_flags]


def test_a_runner_with_groin_pain_on_hopping_is_seen_the_same_day(kb: CompiledKB) -> None:
    result = hipdx.assess(
        {
            "age": 24,
            "sex": "female",
            "setting": "sports",
            "findings": {
                "running_high_volume": True,
                "pain_groin": True,
                "hop_test_positive": True,
            },
        },
        knowledge=kb,
    )
    assert result.triage.level in ("urgent", "emergency")
    assert result.rank_of("femoral_neck_stress_fracture") == 1


def test_lateral_hip_pain_in_a_woman_with_a_positive_single_leg_stance_is_gtps(
    kb: CompiledKB,
) -> None:
    result = hipdx.assess(
        {
            "age": 55,
            "sex": "female",
            "findings": {
                "pain_lateral_hip": True,
                "worse_lying_on_side": True,
                "single_leg_stance_30s_positive": True,
            },
        },
        knowledge=kb,
    )
    assert result.differential[0].condition == "greater_trochanteric_pain_syndrome"
    assert result.triage.level == "routine"


def test_colicky_loin_to_groin_pain_with_haematuria_is_a_stone_and_urgent(kb: CompiledKB) -> None:
    result = hipdx.assess(
        {
            "age": 40,
            "sex": "male",
            "setting": "emergency",
            "findings": {
                "pain_flank": True,
                "pain_loin_to_groin": True,
                "quality_colicky": True,
                "onset_sudden": True,
                "urine_blood_positive": True,
                "nausea_vomiting": True,
            },
        },
        knowledge=kb,
    )
    assert result.differential[0].condition == "ureteral_calculus"
    assert result.triage.level in ("urgent", "emergency")


def test_fever_limp_and_a_flexed_hip_raise_psoas_abscess_into_the_top_three(kb: CompiledKB) -> None:
    result = hipdx.assess(
        {
            "age": 48,
            "sex": "male",
            "setting": "emergency",
            "findings": {
                "pain_groin": True,
                "fever": True,
                "hip_held_flexed": True,
                "limp": True,
                "immunosuppression": True,
            },
        },
        knowledge=kb,
    )
    rank = result.rank_of("psoas_abscess")
    assert rank is not None and rank <= 3
    assert result.triage.level in ("urgent", "emergency")


def test_an_older_adult_with_groin_pain_and_reduced_adduction_has_hip_osteoarthritis_first(
    kb: CompiledKB,
) -> None:
    result = hipdx.assess(
        {
            "age": 68,
            "sex": "female",
            "findings": {
                "pain_groin": True,
                "adduction_decreased": True,
                "onset_gradual": True,
                "xray_hip_oa": True,
            },
        },
        knowledge=kb,
    )
    assert result.differential[0].condition == "hip_osteoarthritis"


def test_sitting_bone_pain_with_a_positive_bent_knee_stretch_is_hamstring_tendinopathy(
    kb: CompiledKB,
) -> None:
    result = hipdx.assess(
        {
            "age": 42,
            "sex": "male",
            "setting": "sports",
            "findings": {
                "pain_buttock": True,
                "pain_ischial": True,
                "worse_sitting": True,
                "bent_knee_stretch_positive": True,
                "running_high_volume": True,
            },
        },
        knowledge=kb,
    )
    assert result.differential[0].condition == "proximal_hamstring_tendinopathy"


def test_radiating_leg_pain_with_a_dermatomal_deficit_is_radiculopathy(kb: CompiledKB) -> None:
    result = hipdx.assess(
        {
            "age": 45,
            "findings": {
                "pain_low_back": True,
                "pain_below_knee": True,
                "numbness_paresthesia": True,
                "dermatomal_deficit": True,
                "crossed_slr_positive": True,
            },
        },
        knowledge=kb,
    )
    assert result.differential[0].condition == "lumbar_radiculopathy"


def test_must_not_miss_conditions_are_always_listed(kb: CompiledKB) -> None:
    result = hipdx.assess({"age": 30, "findings": {"pain_lateral_hip": True}}, knowledge=kb)
    dangerous = {c.id for c in kb.knowledge.conditions if c.must_not_miss and _applies_at(c, 30)}
    assert set(result.results.must_not_miss) == dangerous


def _applies_at(condition: Any, age: float) -> bool:
    """Conditions impossible at this age (e.g. Perthes disease at 30) are not listed."""
    low, high = condition.applies.age_min, condition.applies.age_max
    return (low is None or low <= age) and (high is None or age <= high)


def test_every_result_carries_the_decision_support_disclaimer(kb: CompiledKB) -> None:
    result = hipdx.assess({"findings": {}}, knowledge=kb)
    assert "not a diagnosis" in result.results.disclaimer
    assert "not a diagnosis" in result.machine_form()["disclaimer"]


def test_a_must_not_miss_reason_gives_each_named_condition_its_own_probability() -> None:
    """The reason's mass is the sum over every dangerous condition of that urgency; each named
    one carries its own share, so five names beside one mass are not read as five times it. (An
    older man with back pain at night and weight loss: several dangerous causes are in view.)"""
    case = {
        "age": 72,
        "sex": "male",
        "findings": {"pain_low_back": True, "night_pain": True, "weight_loss": True},
    }
    result = hipdx.assess(case)
    reason = next(r for r in result.triage.reasons if r.kind == "must_not_miss")
    assert len(reason.probabilities) == len(reason.conditions) > 0
    assert list(reason.probabilities) == sorted(reason.probabilities, reverse=True)
    assert all(p > 0 for p in reason.probabilities)
    assert sum(reason.probabilities) <= (reason.mass or 0) + 1e-9


def test_a_man_on_warfarin_with_sudden_groin_pain_and_a_femoral_nerve_palsy_is_an_emergency() -> (
    None
):
    """Anticoagulation with sudden pain and a new nerve deficit: a bleed pressing on a nerve
    (iliopsoas haematoma) until proved otherwise. It had been triaged urgent."""
    case = {
        "age": 67,
        "sex": "male",
        "findings": {
            "pain_groin": True,
            "onset_sudden": True,
            "anticoagulant_use": True,
            "femoral_nerve_deficit": True,
        },
    }
    result = hipdx.assess(case)
    assert result.triage.level == "emergency"
    assert "anticoagulated_sudden_pain_new_deficit" in fired(result)
    without = hipdx.assess({**case, "findings": {**case["findings"], "anticoagulant_use": False}})
    assert "anticoagulated_sudden_pain_new_deficit" not in fired(without)


def test_a_febrile_man_with_pelvic_pain_frequency_and_a_tender_prostate_is_seen_the_same_day() -> (
    None
):
    """Acute bacterial prostatitis: the prostatitis condition also covers chronic pelvic pain
    (urgency 'soon'), so fever with pelvic pain and urinary signs must raise triage itself. It had
    been triaged 'soon' with prostatitis ranked first."""
    case = {
        "age": 61,
        "sex": "male",
        "findings": {
            "pain_lower_abdomen": True,
            "fever": True,
            "lower_urinary_symptoms": True,
            "prostate_tender": True,
        },
    }
    result = hipdx.assess(case)
    assert result.triage.level == "urgent"
    assert "fever_with_pelvic_pain_and_urinary_signs" in fired(result)
    afebrile = hipdx.assess({**case, "findings": {**case["findings"], "fever": False}})
    assert "fever_with_pelvic_pain_and_urinary_signs" not in fired(afebrile)


def test_new_groin_pain_in_a_man_treated_for_melanoma_is_seen_the_same_day() -> None:
    """After the spine, the pelvis and proximal femur are the commonest sites of bone metastasis;
    a history of cancer named by its kind ("melanoma", "lymphoma") is a history of cancer."""
    parsed = hipdx.parse("68-year-old man with melanoma. Left groin pain for three weeks.")
    assert parsed.case.findings.get("cancer_history") is True
    result = hipdx.assess({"age": 68, "sex": "male", "findings": dict(parsed.case.findings)})
    assert result.triage.level == "urgent"
    assert "cancer_history_with_back_or_hip_pain" in fired(result)


def test_an_abscess_on_imaging_is_seen_the_same_day_whatever_leads() -> None:
    """Hip pain with radiographic arthritis leads the differential, but a CT that shows an
    abscess in the pelvis must not leave triage below urgent. It had been 'routine'."""
    case = {
        "age": 64,
        "sex": "female",
        "findings": {"fever": False, "xray_hip_oa": True, "abscess_on_imaging": True},
    }
    result = hipdx.assess(case)
    assert result.differential[0].condition == "hip_osteoarthritis"
    assert result.triage.level == "urgent"
    assert "infected_collection_on_imaging" in fired(result)


def test_hip_pain_after_a_fall_in_an_old_woman_puts_hip_fracture_ahead_of_the_spine() -> None:
    """An 87-year-old who fell and has hip pain, able to bear weight: the hip, not the spine,
    is what hurts, so a hip fracture leads a vertebral fracture."""
    note = (
        "An 87-year-old woman presented with left hip pain after a fall. "
        "She was able to bear weight."
    )
    result = hipdx.assess(hipdx.parse(note).case)
    assert result.rank_of("hip_fracture") < result.rank_of("vertebral_fracture")  # type: ignore[operator]


def test_hip_pain_is_counted_once_when_the_note_also_says_where() -> None:
    """ "Left hip pain ... now in the groin" is groin pain: the vaguer word is not counted again."""
    parsed = hipdx.parse("Left hip pain for a year. The pain is now in the groin.")
    assert parsed.case.findings.get("pain_groin") is True
    assert "pain_hip" not in parsed.case.findings
    assert any(c.rule == "part_named" and c.finding == "pain_hip" for c in parsed.conflicts)


def test_thigh_pain_with_no_side_named_is_not_read_as_the_front_of_the_thigh() -> None:
    """ "Left thigh pain" names no side of the thigh: it is thigh pain, not anterior thigh pain
    (which counted against every cause with no anterior-thigh row); a side named later replaces
    it, as a part of the hip replaces "hip pain"."""
    vague = hipdx.parse("A 45-year-old man with left thigh pain for three weeks.")
    assert vague.case.findings.get("pain_thigh") is True
    assert "pain_anterior_thigh" not in vague.case.findings
    placed = hipdx.parse("Thigh pain for a month; the pain is at the back of the thigh.")
    assert placed.case.findings.get("pain_posterior_thigh") is True
    assert "pain_thigh" not in placed.case.findings
    assert any(c.rule == "part_named" and c.finding == "pain_thigh" for c in placed.conflicts)


def test_groin_pain_that_spreads_down_the_thigh_favours_the_thigh_causes_over_a_stone() -> None:
    """Groin pain with thigh pain: the adductors and the obturator nerve gain on a ureteric
    stone, which is felt in the flank and groin and rarely in the thigh."""
    groin = {"age": 45, "sex": "male", "findings": {"pain_groin": True}}
    thigh = {**groin, "findings": {"pain_groin": True, "pain_thigh": True}}
    before, after = hipdx.assess(groin), hipdx.assess(thigh)

    def odds_against_a_stone(result: hipdx.Assessment, cause: str) -> float:
        p = {e.condition: e.probability for e in result.differential}
        return p[cause] / p["ureteral_calculus"]

    for cause in ("adductor_related_groin_pain", "obturator_nerve_entrapment"):
        assert odds_against_a_stone(after, cause) > 2 * odds_against_a_stone(before, cause)
    assert after.rank_of("ureteral_calculus") > before.rank_of("ureteral_calculus")  # type: ignore[operator]


def test_abdominal_pain_is_read_and_raises_the_abdominal_and_pelvic_causes() -> None:
    """ "Abdominal pain" with hip pain in a young woman: it was read as nothing; now the
    abdominal and pelvic causes gain on the hip joint, and triage is same-day."""
    hip = hipdx.assess(hipdx.parse("A 27-year-old woman with left hip pain for two days.").case)
    both = hipdx.parse("A 27-year-old woman with abdominal pain and left hip pain for two days.")
    assert both.case.findings.get("pain_abdomen") is True
    result = hipdx.assess(both.case)
    for cause in ("pelvic_inflammatory_disease", "appendicitis", "ectopic_pregnancy"):
        assert result.rank_of(cause) < hip.rank_of(cause)  # type: ignore[operator]
    assert result.rank_of("hip_osteoarthritis") > hip.rank_of("hip_osteoarthritis")  # type: ignore[operator]
    assert result.triage.level == "urgent"


def test_a_named_part_of_the_abdomen_replaces_abdominal_pain_and_a_denial_is_read() -> None:
    """ "Right lower quadrant abdominal pain" is lower abdominal pain, counted once; "denied
    abdominal pain" is abdominal pain absent."""
    placed = hipdx.parse("Right lower quadrant abdominal pain for a day.")
    assert placed.case.findings.get("pain_lower_abdomen") is True
    assert "pain_abdomen" not in placed.case.findings
    denied = hipdx.parse("He denied abdominal pain, fever or weight loss.")
    assert denied.case.findings.get("pain_abdomen") is False


def test_a_woman_who_may_be_pregnant_with_abdominal_pain_is_seen_the_same_day() -> None:
    """The red flag for possible pregnancy with pelvic pain also reads pain in the abdomen whose
    part is not named."""
    case = {
        "age": 24,
        "sex": "female",
        "findings": {"pain_abdomen": True, "pregnancy_possible": True},
    }
    result = hipdx.assess(case)
    assert "possible_pregnancy_with_pelvic_pain" in fired(result)
    assert result.triage.level.rank >= hipdx.TriageLevel.URGENT.rank


def test_back_pain_with_leg_pain_favours_a_nerve_root_and_without_it_the_back_itself() -> None:
    """ "Back and leg pain" is read as both (it was read as nothing); with leg pain a lumbar
    radiculopathy leads non-specific back pain, and with leg pain denied the order reverses."""
    leg = hipdx.parse("A 45-year-old man with back and leg pain for two weeks after lifting.")
    assert leg.case.findings.get("pain_low_back") is True
    assert leg.case.findings.get("pain_leg") is True
    no_leg = hipdx.parse(
        "A 45-year-old man with low back pain for two weeks after lifting. He denies leg pain."
    )
    assert no_leg.case.findings.get("pain_leg") is False
    with_leg, without = hipdx.assess(leg.case), hipdx.assess(no_leg.case)
    radicular, back = "lumbar_radiculopathy", "nonspecific_low_back_pain"
    assert with_leg.rank_of(radicular) < with_leg.rank_of(back)  # type: ignore[operator]
    assert without.rank_of(back) < without.rank_of(radicular)  # type: ignore[operator]


@pytest.mark.parametrize(
    ("note", "flag"),
    [
        (
            "A 12-year-old boy with left thigh pain and a limp for three weeks.",
            "adolescent_limp_hip_thigh_or_knee_pain",
        ),
        (
            "A 13-year-old girl with right hip pain and a limp.",
            "adolescent_limp_hip_thigh_or_knee_pain",
        ),
        ("Leg pain with saddle anaesthesia and new urinary retention.", "cauda_equina_signs"),
        ("A man on dialysis with fever and right hip pain.", "fever_immunosuppressed_pain"),
        (
            "A 60-year-old with fever and hip pain who cannot bear weight.",
            "fever_hip_pain_cannot_bear_weight",
        ),
        (
            "A 60-year-old woman with a history of breast cancer presented with left hip pain.",
            "cancer_history_with_back_or_hip_pain",
        ),
        ("Sudden right thigh pain in a man taking warfarin.", "anticoagulated_sudden_groin_pain"),
    ],
)
def test_red_flags_read_hip_thigh_and_leg_pain_whose_part_is_not_named(
    note: str, flag: str
) -> None:
    """What notes say most ("hip pain", "thigh pain", "leg pain") fires the flags written for
    the groin, the front or side of the hip or the back of the thigh."""
    assert flag in fired(hipdx.assess(hipdx.parse(note).case))


def test_pain_that_first_line_treatment_did_not_help_raises_the_causes_often_missed() -> None:
    """Buttock pain on sitting that painkillers and physiotherapy did not help: a deep gluteal
    entrapment gains on non-specific back pain, which usually settles with first-line care."""
    findings: dict[str, bool] = {"pain_buttock": True, "worse_sitting": True}
    base = {"age": 45, "sex": "female", "findings": findings}
    failed = {**base, "findings": {**findings, "failed_first_line_treatment": True}}

    def ratio(case: dict[str, Any]) -> float:
        p = {r.condition: r.probability for r in hipdx.assess(case).differential}
        return p["piriformis_syndrome"] / p["nonspecific_low_back_pain"]

    assert ratio(failed) > 1.5 * ratio(base)
