"""A test of one part of the body called normal ("MRI of the hip was normal", "CT of the abdomen
and pelvis was unremarkable") is each finding that test shows there, absent; and a normal study
weighs against the conditions it would have shown (`blanket_normals` subjects with ``sites`` in
``knowledge/language/lexicon.yaml``, read by ``intake/_blanket.py``)."""

from __future__ import annotations

import pytest

import hipdx

HIP_MRI = {
    "femoral_neck_bone_oedema_or_fracture_line",
    "mri_femoral_head_marrow_oedema",
    "mri_avn_femoral_head",
    "proximal_femur_fracture_on_imaging",
    "pelvic_fracture_on_imaging",
}
SPINE_MRI = {
    "mri_disc_herniation_root_compression",
    "mri_lumbar_canal_stenosis",
    "mri_cauda_equina_compression",
    "mri_spinal_infection",
}
ABDOMINAL_CT = {"ct_appendicitis", "ct_diverticulitis", "ct_ureteral_stone", "abscess_on_imaging"}


def absent(text: str) -> set[str]:
    return {f for f, value in hipdx.parse(text).case.findings.items() if value is False}


def present(text: str) -> set[str]:
    return {f for f, value in hipdx.parse(text).case.findings.items() if value is True}


@pytest.mark.parametrize(
    ("text", "covered"),
    [
        ("MRI of the right hip was normal.", HIP_MRI),
        ("She had a normal MRI of the left hip.", HIP_MRI),
        ("An unremarkable lumbar spine MRI.", SPINE_MRI),
        ("Hip MRI: unremarkable.", HIP_MRI),
        ("The MRI scan of both hips was within normal limits.", HIP_MRI),
        ("Magnetic resonance imaging of the pelvis showed no abnormality.", HIP_MRI),
        ("An MRI of the lumbar spine was normal.", SPINE_MRI),
        ("Lumbar spine MRI was unremarkable apart from mild facet arthropathy.", SPINE_MRI),
        ("CT of the abdomen and pelvis was unremarkable.", ABDOMINAL_CT),
        ("A computed tomography of the abdomen showed no acute abnormality.", ABDOMINAL_CT),
        ("Ultrasound of the left hip was normal.", {"us_hip_effusion"}),
        ("Transvaginal ultrasound was unremarkable.", {"ultrasound_adnexal_mass_no_iup"}),
        ("A bone scan was negative.", {"bone_scan_focal_uptake"}),
    ],
)
def test_a_study_of_a_site_called_normal_rules_out_what_it_shows_there(
    text: str, covered: set[str]
) -> None:
    assert covered <= absent(text)


def test_a_study_rules_out_nothing_at_another_site() -> None:
    """A normal spine MRI says nothing of the hip, a normal hip MRI nothing of the spine."""
    assert not HIP_MRI & absent("MRI of the lumbar spine was normal.")
    assert not SPINE_MRI & absent("MRI of the hip was normal.")


def test_a_study_without_its_site_rules_out_nothing() -> None:
    """ "The MRI was normal" could be of the spine or of the hip."""
    assert not (HIP_MRI | SPINE_MRI) & absent("The MRI was normal.")


def test_a_site_belongs_to_the_test_next_to_it() -> None:
    """In "pelvic X-ray, hip ultrasound ... were normal" the pelvis is the X-ray's, not the
    ultrasound's: no gynaecological ultrasound finding is ruled out."""
    found = absent("Initial imaging with pelvic x-ray, hip ultrasound and MRI were normal.")
    assert "ultrasound_adnexal_mass_no_iup" not in found
    assert "us_hip_effusion" in found


def test_one_normal_structure_is_not_a_normal_study() -> None:
    """ "A normal femoral head and a fracture of the femoral neck": only the head is normal."""
    text = "MRI of the hip demonstrated a normal femoral head and a fracture of the femoral neck."
    assert not HIP_MRI - {"proximal_femur_fracture_on_imaging"} & absent(text)
    assert not absent("MRI of the hip showed an intact labrum.")


def test_a_site_of_a_test_is_not_an_examination() -> None:
    """ "CT of the abdomen ... unremarkable" is no statement about tenderness on examination."""
    found = absent("CT of the abdomen and pelvis was unremarkable.")
    assert not {"peritonism", "rlq_tenderness", "llq_tenderness"} & found


def test_a_later_abnormal_study_wins_over_an_earlier_normal_one() -> None:
    text = (
        "The initial MRI of the pelvis was normal, but a repeat MRI three weeks later showed a "
        "fracture of the femoral neck."
    )
    assert "proximal_femur_fracture_on_imaging" in present(text)


def test_a_normal_hip_mri_makes_an_occult_hip_fracture_unlikely() -> None:
    """Issue 12: "MRI normal" must make an occult hip fracture unlikely."""
    note = "An 81-year-old woman fell and has left groin pain. Radiographs showed no fracture."
    engine = hipdx.default_engine()
    before = engine.assess_note(note).assessment
    after = engine.assess_note(note + " MRI of the left hip was normal.").assessment
    assert before is not None and after is not None
    p_before = next(d.probability for d in before.differential if d.condition == "hip_fracture")
    p_after = next(d.probability for d in after.differential if d.condition == "hip_fracture")
    assert p_after < p_before / 10
