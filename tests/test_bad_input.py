"""Bad input never crashes hipdx and never gets a confident answer (issue 13): each reproducer
of the issue, through the layer that now catches it."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import hipdx
from hipdx.cli import app
from hipdx.inference.case import MAX_TEXT_CHARS
from hipdx.inference.json_input import parse_json
from hipdx.intake import MAX_TEXT_CHARS as INTAKE_MAX_TEXT_CHARS
from hipdx.kb.compiled import CompiledKB

runner = CliRunner()
HUGE = int("9" * 400)  # over 1e308: no float holds it


def _problems(case: object) -> str:
    with pytest.raises(hipdx.InvalidCaseError) as caught:
        hipdx.assess(case)  # type: ignore[arg-type]
    return str(caught.value)


def _case_file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "case.json"
    path.write_text(text, encoding="utf-8")
    return str(path)


# -- numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "case",
    [
        {"findings": {"temperature_celsius": HUGE}},
        {"findings": {"age_years": HUGE}},
        {"age": HUGE},
        {"age": -HUGE},
    ],
)
def test_a_number_too_large_for_a_float_is_a_case_error(case: dict[str, object]) -> None:
    assert "too large" in _problems(case)


def test_next_questions_refuses_a_number_too_large_for_a_float() -> None:
    with pytest.raises(hipdx.InvalidCaseError, match="too large"):
        hipdx.next_questions({"findings": {"temperature_celsius": HUGE}})


@pytest.mark.parametrize(
    ("age", "said"), [(True, "not true"), ("31", "not a string"), (float("nan"), "finite")]
)
def test_an_age_must_be_a_number_of_years(age: object, said: str) -> None:
    assert said in _problems({"age": age})


def test_an_answer_that_is_no_boolean_or_number_is_one_clear_error() -> None:
    message = _problems({"findings": {"fever": "yes"}})
    assert "give true, false or a number, not a string" in message
    assert message.count("findings.fever") == 1


@pytest.mark.parametrize("case", [[1, 2], "fever", {"findings": [1]}, {"findings": {"a": {}}}])
def test_a_structurally_bad_case_is_the_projects_own_error(case: object) -> None:
    _problems(case)


def test_the_cli_gives_the_same_message_as_the_api(tmp_path: Path) -> None:
    path = _case_file(tmp_path, json.dumps({"age": True}))
    result = runner.invoke(app, ["assess", "--case", path])
    assert result.exit_code == 2
    assert "age: give the age as a number of years, not true" in result.output
    assert "age: give the age as a number of years, not true" in _problems({"age": True})


# -- JSON ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('{"findings": {"temperature_celsius": ' + "9" * 5000 + "}}", "5,000 digits"),
        ("[" * 100_000 + "]" * 100_000, "nested more than"),
        ('{"findings": {"fever": true, "fever": false}}', "the key 'fever' appears twice"),
        ('{"age": NaN}', "NaN is not a JSON number"),
        ('{"age": 1e999}', "too large"),
    ],
)
def test_json_that_python_would_crash_on_or_misread_is_refused(
    tmp_path: Path, text: str, said: str
) -> None:
    with pytest.raises(hipdx.InvalidCaseError, match=said):
        parse_json(text)
    result = runner.invoke(app, ["assess", "--case", _case_file(tmp_path, text)])
    assert result.exit_code == 2
    assert "not valid JSON" in result.output and said in result.output
    assert "Traceback" not in result.output


def test_brackets_inside_strings_are_not_nesting() -> None:
    assert parse_json('{"text": "' + "[" * 1000 + '"}') == {"text": "[" * 1000}


# -- short errors ----------------------------------------------------------------------------


def test_two_thousand_unknown_ids_are_a_few_lines(tmp_path: Path) -> None:
    case = {"findings": {f"bogus_{i}": True for i in range(2000)}}
    result = runner.invoke(app, ["assess", "--case", _case_file(tmp_path, json.dumps(case))])
    assert result.exit_code == 2
    assert len(result.output.splitlines()) <= 12
    assert "1,996 more unknown finding ids" in result.output


def test_a_megabyte_id_is_not_echoed(tmp_path: Path) -> None:
    case = {"findings": {"x" * 1_000_000: True}}
    result = runner.invoke(app, ["assess", "--case", _case_file(tmp_path, json.dumps(case))])
    assert result.exit_code == 2
    assert len(result.output) < 1000
    assert "1,000,000 characters" in result.output


def test_an_error_lists_a_few_issues_and_counts_the_rest() -> None:
    error = hipdx.InvalidCaseError(
        "bad", [hipdx.Issue(level="error", where=f"x{i}", message="m") for i in range(50)]
    )
    assert len(str(error).splitlines()) == 1 + 5 + 1
    assert "… and 45 more" in str(error)
    assert len(error.issues) == 50  # every issue stays available as a value


@pytest.mark.parametrize(
    ("kwargs", "said"),
    [({"k": -1}, "ask for 1 to"), ({"k": "3"}, "ask for 1 to"), ({"asker": "robot"}, "unknown")],
)
def test_bad_question_requests_are_case_errors(kwargs: dict[str, object], said: str) -> None:
    with pytest.raises(hipdx.InvalidCaseError, match=said):
        hipdx.next_questions({}, **kwargs)  # type: ignore[arg-type]


# -- notes -----------------------------------------------------------------------------------


def test_a_lone_surrogate_alone_is_no_text() -> None:
    with pytest.raises(hipdx.InvalidCaseError, match="no text"):
        hipdx.parse("\ud800")


@pytest.mark.parametrize(
    ("text", "removed"),
    [
        ("groin pain \udcff fever", "removed 1 undecodable character"),
        ("groin pain\x00\x1b[2J fever", "removed 2 control characters"),
    ],
)
def test_lone_surrogates_and_controls_are_removed_and_reported(text: str, removed: str) -> None:
    parsed = hipdx.parse(text)
    assert removed in str(parsed.issues)
    assert parsed.case.findings.get("pain_groin") is True and parsed.case.findings["fever"]
    assert all(m.span.text == parsed.text[m.span.start : m.span.end] for m in parsed.mentions)


def test_words_split_by_zero_width_characters_are_read() -> None:
    parsed = hipdx.parse("g\u200br\u200bo\u200bi\u200bn pain")
    assert parsed.case.findings.get("pain_groin") is True
    assert "removed 4 invisible characters" in str(parsed.issues)


def test_an_empty_or_over_long_note_is_refused_before_the_reader_is_built(
    kb: CompiledKB,
) -> None:
    fresh = hipdx.Engine(kb)  # its reader would take seconds to build
    started = time.perf_counter()
    for text in ("", " \n\u200b ", "pain " * 30_000):
        with pytest.raises(hipdx.InvalidCaseError):
            fresh.parse(text)
    assert time.perf_counter() - started < 2.0
    assert MAX_TEXT_CHARS == INTAKE_MAX_TEXT_CHARS


def test_a_negative_age_is_not_read_as_an_age() -> None:
    parsed = hipdx.parse("A -5-year-old boy with groin pain.")
    assert parsed.case.age is None
    assert hipdx.parse("A 5-year-old boy with groin pain.").case.age == 5
    durations = hipdx.parse("Groin pain for 2-3 weeks.").measurements
    assert [m.value for m in durations] == [2.0, 3.0]  # a range's hyphen is no minus sign


ESCAPES = "groin pain \x1b]0;owned\x07 \x1b[2J\x9b31m and fever"


@pytest.mark.parametrize("command", [["parse", ESCAPES], ["assess", "--text", ESCAPES]])
def test_escape_sequences_from_a_note_never_reach_the_terminal(command: list[str]) -> None:
    result = runner.invoke(app, command)
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "\x9b" not in result.output


def test_an_unknown_id_with_escape_sequences_is_shown_escaped(tmp_path: Path) -> None:
    case = {"findings": {"\x1b[2Jfever": True}}
    result = runner.invoke(app, ["assess", "--case", _case_file(tmp_path, json.dumps(case))])
    assert result.exit_code == 2
    assert "\x1b" not in result.output and "\\x1b[2Jfever" in result.output


def test_non_utf8_bytes_on_the_command_line_are_dropped() -> None:
    # Python decodes undecodable argv bytes to lone surrogates (surrogateescape)
    result = runner.invoke(app, ["parse", "groin pain \udcff fever"])
    assert result.exit_code == 0, result.output
    assert "removed 1 undecodable character" in result.output


# -- not understood --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "note",
    [
        "患者右髋疼痛三周",
        "Douleur de la hanche droite depuis trois semaines",
        "12 34 56 78",
        "pain " * 1_000,
        "A 31-year-old man.",
    ],
)
def test_a_note_with_nothing_beyond_demographics_is_not_assessed(
    engine: hipdx.Engine, note: str
) -> None:
    result = engine.assess_note(note)
    assert not result.understood and result.assessment is None
    form = result.machine_form()
    assert form["understood"] is False and form["differential"] == [] and form["triage"] is None


def test_the_cli_says_what_it_read_and_exits_non_zero() -> None:
    result = runner.invoke(app, ["assess", "--text", "A 31-year-old man.", "--json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["understood"] is False and data["read"] == ["age 31", "sex male"]
    assert "nothing beyond age 31, sex male was recognised" in result.stderr


def test_a_note_with_a_finding_is_understood_and_assessed(engine: hipdx.Engine) -> None:
    result = engine.assess_note("A 31-year-old man with groin pain.")
    assert result.understood and result.assessment is not None
    assert result.machine_form()["read"] == ["age 31", "sex male", "pain_groin"]
    cli = runner.invoke(app, ["assess", "--text", "A 31-year-old man with groin pain.", "--json"])
    assert cli.exit_code == 0 and json.loads(cli.output)["understood"] is True


# -- the terminal interview ------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "sex"), [("f", "female"), ("Female", "female"), ("m", "male")])
def test_a_choice_can_be_typed_by_its_name(typed: str, sex: str, tmp_path: Path) -> None:
    saved = tmp_path / "case.json"
    answers = f"45\n{typed}\n?\n?\n"
    result = runner.invoke(app, ["interview", "--budget", "1", "--save", str(saved)], input=answers)
    assert result.exit_code == 0, result.output
    assert json.loads(saved.read_text())["sex"] == sex


def test_a_name_that_fits_no_option_or_several_is_asked_again() -> None:
    answers = "45\nx\n1\n10\nboth sides\n?\n"  # "x": no sex; then a side by its name
    result = runner.invoke(app, ["interview", "--budget", "1"], input=answers)
    assert result.exit_code == 0, result.output
    assert "the start of an option's name" in result.output


@pytest.mark.parametrize("typed", ["²", "①", "9" * 5000, "١"])
def test_a_numbered_prompt_re_asks_for_what_is_not_a_plain_number(typed: str) -> None:
    answers = f"45\n{typed}\n1\n?\n?\n"
    result = runner.invoke(app, ["interview", "--budget", "1"], input=answers)
    assert result.exit_code == 0, result.output
    assert "Please type a number from 1 to" in result.output
    assert "WHAT TO DO" in result.output  # the patient result at the end


@pytest.mark.parametrize("where", ["folder", "missing/case.json"])
def test_save_is_checked_before_the_first_question(tmp_path: Path, where: str) -> None:
    (tmp_path / "folder").mkdir()
    result = runner.invoke(app, ["interview", "--save", str(tmp_path / where)], input="45\n")
    assert result.exit_code == 2
    assert "--save" in result.output
    assert "How old" not in result.output


def test_an_unknown_asker_on_the_command_line_is_a_usage_error() -> None:
    result = runner.invoke(app, ["interview", "--mode", "robot"], input="")
    assert result.exit_code == 2
    assert "robot" in result.output and "Traceback" not in result.output


def test_bytes_that_are_not_utf8_at_a_prompt_are_re_asked() -> None:
    result = runner.invoke(app, ["interview", "--budget", "1"], input=b"\xff\xfe\n45\n1\n?\n?\n")
    assert result.exit_code == 0, result.output
    assert "Please give the age" in result.output
