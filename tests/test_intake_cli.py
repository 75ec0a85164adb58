"""`hipdx parse` and `hipdx assess --text`, as a user runs them."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from hipdx.cli import app

runner = CliRunner()
NOTE = "A 52-year-old woman has buttock pain. Denies fever. MRI: quadratus femoris oedema."


def test_parse_shows_the_findings_and_marks_the_negated() -> None:
    result = runner.invoke(app, ["parse", NOTE])
    assert result.exit_code == 0, result.output
    assert "pain_buttock" in result.output
    assert "absent" in result.output and "Denies" in result.output


def test_parse_reads_standard_input_and_prints_json() -> None:
    result = runner.invoke(app, ["parse", "-", "--json"], input=NOTE)
    data = json.loads(result.output)
    assert data["case"]["findings"]["fever"] is False
    assert {"mentions", "measurements", "conflicts", "unmapped"} <= set(data)


def test_parse_of_empty_text_is_a_clear_error() -> None:
    result = runner.invoke(app, ["parse", "   "])
    assert result.exit_code == 2
    assert "no text" in result.output


def test_assess_text_parses_then_assesses() -> None:
    result = runner.invoke(app, ["assess", "--text", NOTE, "--json"])
    assert result.exit_code == 0, result.output
    top_three = [r["condition"] for r in json.loads(result.output)["differential"][:3]]
    assert "ischiofemoral_impingement" in top_three


def test_assess_needs_a_case_or_a_note() -> None:
    neither = runner.invoke(app, ["assess"])
    assert neither.exit_code == 2
    assert "give --case FILE, --text NOTE, or both" in neither.output


def test_parse_shows_the_clauses_it_did_not_understand() -> None:
    result = runner.invoke(app, ["parse", "Sudden onset, no swelling, no history of trauma."])
    assert result.exit_code == 0, result.output
    assert "not understood: no swelling" in result.output


def test_parse_json_carries_what_was_not_understood() -> None:
    result = runner.invoke(app, ["parse", "-", "--json"], input="Groin pain; tender on palpation.")
    data = json.loads(result.output)
    assert [c["text"] for c in data["not_understood"]] == ["tender on palpation"]


def test_assess_text_says_which_clauses_it_did_not_understand() -> None:
    note = "A 40-year-old man with groin pain. Sudden onset, no swelling."
    shown = runner.invoke(app, ["assess", "--text", note])
    assert shown.exit_code == 0, shown.output
    assert "not understood: no swelling" in shown.output
    machine = runner.invoke(app, ["assess", "--json", "--text", note])
    assert json.loads(machine.output)["not_understood"] == ["no swelling"]
