"""A bowel obstruction with vomiting or a tender abdomen is an emergency wherever the pain is felt
(the groin red flag needs groin or inner-thigh pain); bloating alone raises nothing."""

from __future__ import annotations

import hipdx


def fired(result: hipdx.Assessment) -> set[str]:
    return {flag.red_flag for flag in result.results.red_flags}


FLAG = "bowel_obstruction_with_vomiting_or_tender_abdomen"


def test_back_pain_with_a_bowel_obstruction_and_vomiting_is_an_emergency() -> None:
    """An 81-year-old thin woman with back and hip pain whose CT shows a small-bowel obstruction
    (an obturator hernia presents so): the obstruction, not the back, decides triage."""
    case = {
        "age": 81,
        "sex": "female",
        "findings": {
            "pain_low_back": True,
            "bowel_obstruction_signs": True,
            "nausea_vomiting": True,
        },
    }
    result = hipdx.assess(case)
    assert result.triage.level == "emergency"
    assert FLAG in fired(result)


def test_a_note_naming_air_fluid_levels_and_vomiting_is_an_emergency() -> None:
    parsed = hipdx.parse(
        "An 84-year-old woman with right hip pain and vomiting. "
        "Abdominal radiograph showed multiple air-fluid levels."
    )
    assert parsed.case.findings.get("bowel_obstruction_signs") is True
    result = hipdx.assess({"age": 84, "sex": "female", "findings": dict(parsed.case.findings)})
    assert result.triage.level == "emergency"
    assert FLAG in fired(result)


def test_bloating_alone_does_not_fire_it() -> None:
    case = {
        "age": 34,
        "sex": "female",
        "findings": {
            "pain_lower_abdomen": True,
            "bowel_obstruction_signs": True,
            "nausea_vomiting": False,
        },
    }
    assert FLAG not in fired(hipdx.assess(case))
