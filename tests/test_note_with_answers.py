"""A note and structured answers about the same patient (issue 15, item 6): the answers win,
every disagreement is reported, and the care setting can be given with a note."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

import hipdx
from hipdx.cli import app

runner = CliRunner()
NOTE = (
    "38-year-old woman with deep right buttock pain for 4 months, worse with sitting. "
    "No back pain. Sudden onset."
)


def test_the_answers_win_over_the_note_and_each_disagreement_is_reported(
    engine: hipdx.Engine,
) -> None:
    answers = {"age": 39, "findings": {"onset_gradual": True, "pain_low_back": False}}
    result = engine.assess_note(NOTE, answers=answers)
    assert result.assessment is not None
    findings = result.assessment.input.findings
    assert findings["onset_gradual"] is True and "onset_sudden" not in findings
    assert result.assessment.input.age == 39
    messages = [w.message for w in result.warnings]
    assert any("onset_sudden" in m and "answers are used" in m for m in messages)
    assert any("age" in m for m in messages)
    assert not any("pain_low_back" in m for m in messages)  # they agree: nothing to report


def test_a_note_can_be_assessed_in_the_emergency_setting(tmp_path: Path) -> None:
    result = runner.invoke(app, ["assess", "--text", NOTE, "--setting", "emergency", "--json"])
    assert result.exit_code == 0, result.output
    document = runner.invoke(
        app, ["assess", "--text", NOTE, "--setting", "emergency", "--document"]
    )
    assert json.loads(document.stdout)["input"]["setting"] == "emergency"


def test_the_cli_combines_a_note_with_a_case_file_and_warns_about_conflicts(
    tmp_path: Path,
) -> None:
    case = tmp_path / "case.json"
    case.write_text(json.dumps({"findings": {"onset_gradual": True}}))
    result = runner.invoke(app, ["assess", "--text", NOTE, "--case", str(case)])
    assert result.exit_code == 0, result.output
    assert "onset_sudden" in result.output and "the answers are used" in result.output


def test_assess_prints_the_patient_result_in_plain_words() -> None:
    result = runner.invoke(app, ["assess", "--text", NOTE, "--patient"])
    assert result.exit_code == 0, result.output
    assert "WHAT TO DO" in result.output and "WHAT IT MIGHT BE" in result.output
    assert "%" not in result.output and "LR " not in result.output
